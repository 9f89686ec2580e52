/**
 * Field-level comparison of objects read from the server, and the changed
 * lines of a plan's diff, so a test can say "the run changed spec.replicas
 * and nothing else, as its plan said".
 */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { isDeepStrictEqual } from 'node:util';
import { toYaml, withoutNoise } from '../../../src/k8s/plan-diff.js';
import type { Json } from './kube-read.js';

/** What changes on every write, never a runbook's doing: left out of field comparisons. */
export const WRITE_NOISE = ['metadata.resourceVersion', 'metadata.generation', 'metadata.managedFields', 'status'];

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function join(path: string, key: string): string {
  const simple = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key);
  return path ? (simple ? `${path}.${key}` : `${path}["${key}"]`) : key;
}

/** Leaf paths where `a` and `b` differ (`metadata.annotations["x/y"]`, `spec.containers.0.image`), skipping `ignore` and below. */
export function changedPaths(a: unknown, b: unknown, ignore: readonly string[] = WRITE_NOISE, path = ''): string[] {
  if (ignore.includes(path)) return [];
  if (isDeepStrictEqual(a, b)) return [];
  // A map that appears or disappears is compared key by key with an empty one, so an added annotation is named by its key.
  if ((isObject(a) || a === undefined) && (isObject(b) || b === undefined)) {
    const [x, y] = [a ?? {}, b ?? {}];
    const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
    return keys.flatMap((k) => changedPaths(x[k], y[k], ignore, join(path, k)));
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((v, i) => changedPaths(v, b[i], ignore, join(path, String(i))));
  }
  return [path];
}

function segments(path: string): string[] {
  return [...path.matchAll(/([^.[\]"]+)|\["([^"]+)"\]/g)].map((m) => m[1] ?? m[2] ?? '');
}

/** The value at a path made by changedPaths. */
export function valueAt(obj: unknown, path: string): unknown {
  let value = obj;
  for (const s of segments(path)) value = isObject(value) ? value[s] : Array.isArray(value) ? value[Number(s)] : undefined;
  return value;
}

/** A deep copy without the given paths. */
export function without(obj: Json, paths: readonly string[]): Json {
  const copy = structuredClone(obj);
  for (const path of paths) {
    const parts = segments(path);
    const last = parts.pop();
    const parent = valueAt(copy, parts.map((p) => `["${p}"]`).join(''));
    if (last !== undefined && isObject(parent)) delete parent[last];
  }
  return copy;
}

/** The `-`/`+` lines of a unified diff, without the file headers. */
export function changedLines(diff: string): string[] {
  return diff.split('\n').filter((l) => (l.startsWith('+') && !l.startsWith('+++')) || (l.startsWith('-') && !l.startsWith('---')));
}

/**
 * The changed lines between two independent reads, rendered as Drover
 * renders a plan (YAML, noise stripped), so they compare with a plan's.
 */
export function observedLines(before: Json, after: Json): string[] {
  const a = toYaml(withoutNoise(before));
  const b = toYaml(withoutNoise(after));
  return changedLines(createTwoFilesPatch('before', 'after', a, b, undefined, undefined, { context: 0, headerOptions: FILE_HEADERS_ONLY }));
}
