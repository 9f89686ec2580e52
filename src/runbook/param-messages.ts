/**
 * Zod's issues as sentences for people: "replicas must be a whole number",
 * "replicas must be at least 1", "namespace is required", not "Invalid input:
 * expected number, received NaN". Passed to `safeParse` as its per-parse error
 * map, so a message an author wrote in the schema (`.min(1, '…')`) still wins.
 */

/** The part of a zod 4 raw issue the sentences use. */
export interface RawParamIssue {
  code?: string;
  path?: readonly PropertyKey[];
  input?: unknown;
  expected?: string;
  received?: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  format?: string;
  pattern?: string | RegExp;
  values?: readonly unknown[];
  divisor?: number | bigint;
  keys?: readonly string[];
  inst?: unknown;
}

interface SchemaInternals {
  _zod?: { def?: { type?: string; format?: string; checks?: { _zod?: { def?: { check?: string; format?: string } } }[] } };
}

/** `replicas`, `items[2]`, `limits.cpu`: where in the params the issue is. */
export function paramPath(path: readonly PropertyKey[] | undefined): string {
  let out = '';
  for (const key of path ?? []) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** Whether the schema that failed is an integer one (`z.number().int()`, `z.int()`). */
function wantsInteger(inst: unknown): boolean {
  const def = (inst as SchemaInternals | undefined)?._zod?.def;
  if (!def) return false;
  const isInt = (format: string | undefined) => format !== undefined && /int/.test(format);
  return isInt(def.format) || (def.checks ?? []).some((c) => c._zod?.def?.check === 'number_format' && isInt(c._zod.def.format));
}

const TYPE_NOUNS: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  date: 'a date',
  null: 'empty',
};

function listOf(values: readonly unknown[]): string {
  const shown = values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}

function plural(n: number | bigint, one: string, many: string): string {
  return `${n} ${Number(n) === 1 ? one : many}`;
}

function size(origin: string | undefined, n: number | bigint): string {
  switch (origin) {
    case 'string':
      return plural(n, 'character', 'characters');
    case 'array':
    case 'set':
      return plural(n, 'item', 'items');
    case 'object':
      return plural(n, 'key', 'keys');
    default:
      return String(n);
  }
}

/** Sizes are counted for these; any other origin (number, int, bigint, a format such as int32) is a value. */
const SIZED = new Set(['string', 'array', 'set', 'object', 'file']);

function tooSmall(name: string, iss: RawParamIssue): string {
  const min = iss.minimum ?? 0;
  if (iss.origin === 'string' && Number(min) === 1) return `${name} must not be empty`;
  if ((iss.origin === 'array' || iss.origin === 'set') && Number(min) === 1) return `${name} must have at least one item`;
  if (!SIZED.has(iss.origin ?? '')) {
    return iss.inclusive === false ? `${name} must be greater than ${min}` : `${name} must be at least ${min}`;
  }
  return `${name} must have at least ${size(iss.origin, min)}`;
}

function tooBig(name: string, iss: RawParamIssue): string {
  const max = iss.maximum ?? 0;
  if (!SIZED.has(iss.origin ?? '')) {
    return iss.inclusive === false ? `${name} must be less than ${max}` : `${name} must be at most ${max}`;
  }
  return `${name} must have at most ${size(iss.origin, max)}`;
}

const FORMATS: Record<string, string> = {
  email: 'an email address',
  url: 'a URL',
  uuid: 'a UUID',
  guid: 'a GUID',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  cidrv4: 'an IPv4 range (CIDR)',
  cidrv6: 'an IPv6 range (CIDR)',
  datetime: 'a date and time (ISO 8601)',
  date: 'a date (YYYY-MM-DD)',
  time: 'a time (HH:MM[:SS])',
  duration: 'an ISO 8601 duration',
  base64: 'base64 text',
  json_string: 'JSON text',
};

function badFormat(name: string, iss: RawParamIssue): string {
  const format = iss.format ?? '';
  if (format === 'regex') return `${name} must match ${String(iss.pattern ?? 'its pattern')}`;
  if (format === 'starts_with' || format === 'ends_with' || format === 'includes') return `${name} is not in the expected form`;
  const noun = FORMATS[format];
  return noun ? `${name} must be ${noun}` : `${name} must be a valid ${format.replace(/_/g, ' ') || 'value'}`;
}

function wrongType(name: string, iss: RawParamIssue): string {
  const expected = iss.expected === 'number' && wantsInteger(iss.inst) ? 'int' : (iss.expected ?? '');
  const noun = TYPE_NOUNS[expected];
  if (noun) return `${name} must be ${noun}`;
  return `${name} is not valid`;
}

/**
 * The sentence for one issue, naming the param. `name` overrides the issue's
 * path (for a single value checked on its own).
 */
export function paramIssueMessage(iss: RawParamIssue, name?: string): string {
  const who = name ?? (paramPath(iss.path) || 'params');
  // Nothing given where a value of a type, a choice or one of several shapes is wanted.
  if (iss.input === undefined && (iss.code === 'invalid_type' || iss.code === 'invalid_value' || iss.code === 'invalid_union')) return `${who} is required`;
  switch (iss.code) {
    case 'invalid_type':
      return wrongType(who, iss);
    case 'too_small':
      return tooSmall(who, iss);
    case 'too_big':
      return tooBig(who, iss);
    case 'invalid_format':
      return badFormat(who, iss);
    case 'invalid_value':
      return iss.values?.length === 1 ? `${who} must be ${listOf(iss.values)}` : `${who} must be one of ${listOf(iss.values ?? [])}`;
    case 'not_multiple_of':
      return Number(iss.divisor) === 1 ? `${who} must be a whole number` : `${who} must be a multiple of ${iss.divisor}`;
    case 'unrecognized_keys':
      return `${who} has unknown ${iss.keys?.length === 1 ? 'key' : 'keys'} ${listOf(iss.keys ?? [])}`;
    case 'invalid_union':
      return `${who} is not valid`;
    case 'invalid_key':
      return `${who} has an invalid key`;
    case 'invalid_element':
      return `${who} has an invalid item`;
    default:
      return `${who} is not valid`;
  }
}

/**
 * A zod per-parse error map: our sentence for every issue whose schema gives
 * none (a `custom` refinement without a message gets "… is not valid").
 */
export function paramErrorMap(iss: RawParamIssue): string {
  return paramIssueMessage(iss);
}
