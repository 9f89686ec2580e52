/**
 * The text of a new scalar value, written the way the old one was: a quoted
 * string stays quoted the same way, a string stays a string and a number a
 * number, and whatever is written reads back as exactly the intended value.
 */
import { parse, Scalar } from 'yaml';
import { isDeepStrictEqual } from 'node:util';
import { noSource } from './repo-files.js';

export type ScalarValue = string | number | boolean | null;

export function isScalarValue(value: unknown): value is ScalarValue {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/** The value to write, in the old value's type when that loses nothing. */
export function coerce(old: unknown, next: ScalarValue): ScalarValue {
  if (typeof old === 'string' && (typeof next === 'number' || typeof next === 'boolean')) return String(next);
  if (typeof old === 'number' && typeof next === 'string' && /^-?(0|[1-9]\d*)(\.\d+)?$/.test(next)) return Number(next);
  return next;
}

/** Read the same by YAML 1.2 and by YAML 1.1 (Kubernetes tools still read `yes` as true and `010` as 8). */
function readsBack(text: string, value: ScalarValue): boolean {
  try {
    return (['1.2', '1.1'] as const).every((version) => isDeepStrictEqual(parse(`k: ${text}`, { prettyErrors: false, version }), { k: value }));
  } catch {
    return false;
  }
}

function doubleQuoted(s: string): string {
  return JSON.stringify(s);
}

function singleQuoted(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** One-line YAML text for `value`, in `style` (the old scalar's) when it can be. */
export function scalarText(value: ScalarValue, style: Scalar['type'] | undefined, inFlow: boolean): string {
  if (typeof value === 'string') {
    const candidates: string[] = [];
    if (style === Scalar.QUOTE_SINGLE && !/[\n\r]/.test(value)) candidates.push(singleQuoted(value));
    if (style === Scalar.QUOTE_DOUBLE) candidates.push(doubleQuoted(value));
    const plainUnsafe = inFlow && /[,[\]{}]/.test(value);
    if (!plainUnsafe && value !== '' && !/[\n\r\t]/.test(value) && value.trim() === value) candidates.push(value);
    candidates.push(doubleQuoted(value));
    for (const text of candidates) if (readsBack(text, value)) return text;
    throw noSource('The new value cannot be written as a one-line YAML scalar.');
  }
  const text = value === null ? 'null' : String(value);
  if (!readsBack(text, value)) throw noSource('The new value cannot be written as a YAML scalar.');
  return text;
}
