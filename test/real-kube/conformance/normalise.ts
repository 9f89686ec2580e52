/**
 * What legitimately differs between two servers holding the same objects,
 * replaced by placeholders: uids, timestamps, managedFields, selfLink,
 * generated name suffixes, a list's resourceVersion. An object's
 * resourceVersion becomes `rv1`, `rv2`... in the order each server first
 * showed it within a case, so "unchanged" and "changed" still compare.
 */
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Labels resourceVersions in first-seen order; one per server per case. */
export class VersionLabels {
  private readonly labels = new Map<string, string>();
  label(value: string): string {
    let label = this.labels.get(value);
    if (!label) {
      label = `rv${this.labels.size + 1}`;
      this.labels.set(value, label);
    }
    return label;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** resourceVersion numbers quoted inside messages (precondition failures). */
const RV_IN_TEXT = /(ResourceVersion in (?:record|precondition)|resourceVersion) \((\d+)\)/g;

function normaliseString(value: string): string {
  if (TIME.test(value)) return '<time>';
  return value.replace(UUID, '<uid>').replace(RV_IN_TEXT, (_m, what: string) => `${what} (<rv>)`);
}

function normaliseMeta(meta: Record<string, unknown>, isList: boolean, versions: VersionLabels): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(meta)) {
    if (key === 'managedFields' || key === 'selfLink') continue;
    if (key === 'resourceVersion' && typeof value === 'string') {
      out[key] = isList ? '<list>' : versions.label(value);
      continue;
    }
    out[key] = normalise(value, versions);
  }
  const generate = meta.generateName;
  if (typeof generate === 'string' && typeof meta.name === 'string' && meta.name.startsWith(generate)) out.name = `${generate}<suffix>`;
  return out;
}

/** A normalised deep copy of a JSON answer. */
export function normalise(value: unknown, versions: VersionLabels): Json {
  if (typeof value === 'string') return normaliseString(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => normalise(v, versions));
  if (!isRecord(value)) return null;
  const isList = typeof value.kind === 'string' && value.kind.endsWith('List');
  const out: Record<string, Json> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (inner === undefined) continue;
    out[key] = key === 'metadata' && isRecord(inner) ? normaliseMeta(inner, isList, versions) : normalise(inner, versions);
  }
  return out;
}
