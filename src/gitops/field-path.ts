/**
 * Fields of objects named by path (`['spec', 'replicas']`), read and
 * compared as the cluster returns them, and shown as people write them
 * (`spec.replicas`).
 */
import { isDeepStrictEqual } from 'node:util';
import type { FieldChange } from './types.js';

export function readField(object: unknown, path: ReadonlyArray<string | number>): unknown {
  let here: unknown = object;
  for (const part of path) {
    if (typeof here !== 'object' || here === null) return undefined;
    here = (here as Record<string | number, unknown>)[part];
  }
  return here;
}

export function dotted(path: ReadonlyArray<string | number>): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
}

function shown(value: unknown): string {
  if (value === undefined) return '(unset)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** `spec.replicas 3 → 5` */
export function fieldLine(field: FieldChange): string {
  return `${dotted(field.path)} ${shown(field.from)} → ${shown(field.value)}`;
}

/** Whether the live value is the one asked for (a number the API server echoes as a number, a quantity as written). */
export function holds(object: unknown, field: FieldChange): boolean {
  return isDeepStrictEqual(readField(object, field.path), field.value);
}

/**
 * The leaves a JSON merge patch sets: `{ spec: { replicas: 3 } }` sets
 * spec.replicas. Undefined when the patch is not a plain set of values (a
 * null deletes, an array replaces a whole list): such a patch cannot be
 * written as field edits in git.
 */
export function mergePatchFields(patch: Record<string, unknown>, prefix: string[] = []): FieldChange[] | undefined {
  const out: FieldChange[] = [];
  for (const [key, value] of Object.entries(patch)) {
    const path = [...prefix, key];
    if (value === null || Array.isArray(value)) return undefined;
    if (typeof value === 'object') {
      const inner = mergePatchFields(value as Record<string, unknown>, path);
      if (!inner) return undefined;
      out.push(...inner);
    } else {
      out.push({ path, value });
    }
  }
  return out;
}

/** A JSON patch (RFC 6902) of `replace`/`add` ops on scalar values, as fields; undefined for anything else. */
export function jsonPatchFields(ops: ReadonlyArray<{ op: string; path: string; value?: unknown }>): FieldChange[] | undefined {
  const out: FieldChange[] = [];
  for (const op of ops) {
    if (op.op !== 'replace' && op.op !== 'add') return undefined;
    if (op.value === null || typeof op.value === 'object') return undefined;
    const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (parts.length === 0 || parts.includes('-')) return undefined;
    out.push({ path: parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p)), value: op.value });
  }
  return out;
}
