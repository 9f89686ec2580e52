/**
 * Secrets in plans: an object whose kind is Secret shows its keys but never
 * their values, in diffs, summaries, audit and reports. A key whose value a
 * change sets or alters reads `<redacted: changed>` on the after side, so the
 * diff still says which keys move.
 */
import { toPlain } from './plan-diff.js';

export const SECRET_VALUE = '<redacted>';
export const CHANGED_SECRET_VALUE = '<redacted: changed>';

type Plain = Record<string, unknown>;

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for an object of kind Secret, whatever its apiVersion. */
export function isSecretObject(obj: unknown): boolean {
  return isPlain(obj) && obj.kind === 'Secret';
}

function masked(values: unknown, other: unknown, changedMarker: boolean): Plain | undefined {
  if (!isPlain(values)) return undefined;
  const others = isPlain(other) ? other : {};
  return Object.fromEntries(
    Object.keys(values).map((k) => [k, changedMarker && JSON.stringify(values[k]) !== JSON.stringify(others[k]) ? CHANGED_SECRET_VALUE : SECRET_VALUE]),
  );
}

/** A copy of a Secret with `data` and `stringData` values masked; other objects are returned as plain JSON, unchanged. */
export function maskSecret(obj: unknown, compareWith?: unknown): unknown {
  const plain = toPlain(obj);
  if (!isSecretObject(plain)) return plain;
  const secret = plain as Plain;
  const other = isPlain(compareWith) ? compareWith : {};
  for (const field of ['data', 'stringData'] as const) {
    const m = masked(secret[field], other[field], compareWith !== undefined);
    if (m) secret[field] = m;
  }
  // `kubectl apply` leaves the whole manifest, values and all, in this annotation.
  const meta = secret.metadata;
  if (isPlain(meta) && isPlain(meta.annotations) && LAST_APPLIED in meta.annotations) meta.annotations[LAST_APPLIED] = SECRET_VALUE;
  return secret;
}

/**
 * Before and after, masked for a diff: keys set or changed by the write show
 * `<redacted: changed>` after it, the rest `<redacted>` on both sides.
 */
export function maskSecretPair(before: unknown, after: unknown): { before: unknown; after: unknown } {
  if (!isSecretObject(before) && !isSecretObject(after)) return { before, after };
  return { before: before === undefined ? undefined : maskSecret(before), after: after === undefined ? undefined : maskSecret(after, toPlain(before) ?? {}) };
}
