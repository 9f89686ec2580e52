/**
 * Field selectors (`spec.nodeName=node-a,status.phase!=Running`): only `=`,
 * `==` and `!=`, with `\,` `\=` `\\` escapes, as the API server parses them.
 */
import { badRequest } from './status.js';

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

function splitUnescaped(input: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i] ?? '';
    if (ch === '\\' && i + 1 < input.length) {
      current += ch + (input[i + 1] ?? '');
      i++;
    } else if (ch === separator) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

function parseTerm(term: string): FieldRequirement {
  // Find the first unescaped operator.
  for (let i = 0; i < term.length; i++) {
    const ch = term[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '!' && term[i + 1] === '=') {
      return { field: term.slice(0, i).trim(), operator: '!=', value: unescape(term.slice(i + 2)) };
    }
    if (ch === '=') {
      const skip = term[i + 1] === '=' ? 2 : 1;
      return { field: term.slice(0, i).trim(), operator: '=', value: unescape(term.slice(i + skip)) };
    }
  }
  throw badRequest(`invalid selector: '${term}'; can't understand '${term}'`);
}

export function parseFieldSelector(selector: string | undefined): FieldRequirement[] {
  if (!selector || selector.trim() === '') return [];
  return splitUnescaped(selector, ',')
    .filter((t) => t.trim() !== '')
    .map(parseTerm);
}

/**
 * Checks the selector against the object's selectable fields. `fields` holds
 * every field the resource supports (missing values as ''); an unsupported
 * field is a 400, worded by `unsupported`.
 */
export function matchesFields(
  requirements: FieldRequirement[],
  fields: Record<string, string>,
  unsupported: (field: string) => string,
): boolean {
  return requirements.every((r) => {
    if (!Object.prototype.hasOwnProperty.call(fields, r.field)) throw badRequest(unsupported(r.field));
    const actual = fields[r.field] ?? '';
    return r.operator === '=' ? actual === r.value : actual !== r.value;
  });
}

/** Throws the 400 early, even when there is nothing to list. */
export function checkFieldsSupported(requirements: FieldRequirement[], supported: readonly string[], unsupported: (field: string) => string): void {
  for (const r of requirements) {
    if (!supported.includes(r.field)) throw badRequest(unsupported(r.field));
  }
}
