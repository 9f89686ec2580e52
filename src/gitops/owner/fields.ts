/**
 * Reading fields of custom resources Drover did not write: anything may be
 * missing, of the wrong type or absurdly long, so every read is typed here
 * and an unusable value is undefined, never a crash.
 */

/** A plain object (not an array), else undefined. */
export function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** A string of at most `max` characters without control characters, else undefined. */
export function text(value: unknown, max = 1024): string | undefined {
  if (typeof value !== 'string' || value.length > max) return undefined;
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(value) ? undefined : value;
}

export function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/** The field at `path` of `value` (objects only), or undefined. */
export function at(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    const r = record(current);
    if (!r) return undefined;
    current = r[key];
  }
  return current;
}

const DNS_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$/;

/** A Kubernetes object or namespace name (DNS subdomain), else undefined: a label value is not trusted to be one. */
export function objectName(value: unknown): string | undefined {
  return typeof value === 'string' && DNS_SUBDOMAIN.test(value) ? value : undefined;
}

/** `a.b/c` → `a.b`, `v1` → `` (the core group). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** `ns/name`. */
export function ref(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
