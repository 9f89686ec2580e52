import { z } from 'zod';
import { DroverError } from '../errors.js';
import { paramErrorMap, paramPath } from './param-messages.js';
import { suggest } from './suggest.js';
import type { ParamsSchema, Runbook } from './types.js';

interface JsonSchemaProperty {
  type?: string | string[];
  items?: JsonSchemaProperty;
  anyOf?: JsonSchemaProperty[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
}

export interface ParamInfo {
  name: string;
  type: string;
  required: boolean;
  default?: unknown;
  description?: string;
  choices?: unknown[];
  minimum?: number;
  maximum?: number;
}

function jsonSchemaOf(schema: ParamsSchema): { properties: Record<string, JsonSchemaProperty>; required: string[] } {
  const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchemaProperty>;
    required?: string[];
  };
  return { properties: js.properties ?? {}, required: js.required ?? [] };
}

function typeOf(prop: JsonSchemaProperty): string {
  if (prop.enum) return 'enum';
  const t = prop.type ?? prop.anyOf?.map(typeOf).find((x) => x !== 'null');
  if (Array.isArray(t)) return t.find((x) => x !== 'null') ?? 'string';
  return t ?? 'string';
}

/** The params of a runbook, for help texts, CLI coercion and (later) generated Slack modals. */
export function describeParams(schema: ParamsSchema): ParamInfo[] {
  const { properties, required } = jsonSchemaOf(schema);
  return Object.entries(properties).map(([name, prop]) => {
    const info: ParamInfo = { name, type: typeOf(prop), required: required.includes(name) && prop.default === undefined };
    if (prop.default !== undefined) info.default = prop.default;
    if (prop.description) info.description = prop.description;
    if (prop.enum) info.choices = prop.enum;
    if (prop.minimum !== undefined) info.minimum = prop.minimum;
    if (prop.maximum !== undefined) info.maximum = prop.maximum;
    return info;
  });
}

const DECIMAL = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?\s*$/i;

/** A key or word someone typed, short enough for a message (a 100 kB key is not echoed whole). */
function shown(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}… (${text.length} characters)` : text;
}

function coerce(value: string, type: string): unknown {
  switch (type) {
    case 'integer':
    case 'number': {
      // Decimal only: Number() also reads 0x10, 0b1 and Infinity, which nobody typing replicas= means.
      if (value.trim() === '') return undefined; // `replicas=`: not given (required, or its default)
      if (!DECIMAL.test(value)) return value;
      const n = Number(value);
      return Number.isNaN(n) ? value : n;
    }
    case 'boolean':
      return /^(true|yes|1|on)$/i.test(value) ? true : /^(false|no|0|off)$/i.test(value) ? false : value;
    case 'array':
      return value === '' ? [] : value.split(',').map((s) => s.trim());
    default:
      return value;
  }
}

/**
 * Turns `key=value` words (CLI, chat) into a params object, converting each
 * value to the type the schema wants. Unknown keys are an error with a suggestion.
 */
export function paramsFromPairs(runbook: Runbook, pairs: string[]): Record<string, unknown> {
  const info = new Map(describeParams(runbook.params).map((p) => [p.name, p]));
  const out: Record<string, unknown> = {};
  const problems: ParamIssue[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      problems.push({ message: `"${shown(pair)}" is not key=value` });
      continue;
    }
    const key = pair.slice(0, eq);
    const param = info.get(key);
    if (!param) {
      const guess = suggest(key, info.keys());
      problems.push({ message: `unknown parameter "${shown(key)}"${guess ? ` (did you mean "${guess}"?)` : ''}` });
      continue;
    }
    out[key] = coerce(pair.slice(eq + 1), param.type);
  }
  if (problems.length) throw paramsError(runbook, problems);
  return out;
}

/**
 * Text values (alert labels and annotations) converted to the types the
 * schema wants, as `key=value` words are: `"3"` for an integer param is 3.
 * Other values are kept as they are, so validation names what does not fit.
 */
export function coerceTextParams(runbook: Runbook, params: Record<string, unknown>): Record<string, unknown> {
  const types = new Map(describeParams(runbook.params).map((p) => [p.name, p.type]));
  // Not an object: parseParams says so in words.
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return params;
  return Object.fromEntries(
    Object.entries(params).map(([key, value]) => {
      const type = types.get(key);
      return [key, typeof value === 'string' && type && type !== 'string' && type !== 'enum' ? coerce(value, type) : value];
    }),
  );
}

/** A params problem, attributed to one parameter when it can be. */
export interface ParamIssue {
  param?: string;
  message: string;
}

function paramsError(runbook: Runbook, issues: ParamIssue[]): DroverError {
  const known = describeParams(runbook.params).map((p) => p.name);
  const problems = issues.map((i) => i.message);
  return new DroverError('params_invalid', `Invalid parameters for ${runbook.id}: ${problems.join('; ')}. Parameters: ${known.join(', ') || 'none'}.`, {
    details: { problems, issues },
  });
}

/** The per-parameter issues of a params_invalid error (empty for other errors). */
export function paramIssues(err: unknown): ParamIssue[] {
  return err instanceof DroverError && err.code === 'params_invalid' ? ((err.details.issues as ParamIssue[] | undefined) ?? []) : [];
}

/** Validates params against the runbook's schema (unknown keys rejected); returns the parsed value. */
export function parseParams(runbook: Runbook, raw: unknown): Record<string, unknown> {
  const input = (raw ?? {}) as Record<string, unknown>;
  const problems: ParamIssue[] = [];
  if (typeof input !== 'object' || Array.isArray(input)) throw paramsError(runbook, [{ message: 'params must be an object' }]);
  const known = new Set(Object.keys(runbook.params.shape as Record<string, unknown>));
  for (const key of Object.keys(input)) {
    if (!known.has(key)) {
      const guess = suggest(key, known);
      problems.push({ message: `unknown parameter "${shown(key)}"${guess ? ` (did you mean "${guess}"?)` : ''}` });
    }
  }
  // Our sentences replace zod's defaults; a message the author wrote in the schema wins over them.
  const result = runbook.params.safeParse(input, { error: paramErrorMap });
  if (!result.success) {
    for (const issue of result.error.issues) {
      const where = paramPath(issue.path);
      const param = issue.path[0] === undefined ? undefined : String(issue.path[0]);
      const message = !where || issue.message.startsWith(where) ? issue.message : `${where}: ${issue.message}`;
      problems.push(param ? { param, message } : { message });
    }
  }
  if (problems.length || !result.success) throw paramsError(runbook, problems);
  return result.data;
}
