import { hash as oneShotHash } from 'node:crypto';
import type { AuditKey } from './audit-key.js';

/** The fields that link an audit event into the chain. */
export interface ChainLink {
  /** Position in the log, from 1, without gaps. */
  seq: number;
  /** `hash` of the event before (the anchor's for the first one kept). */
  prev: string;
  /**
   * HMAC-SHA256 with the audit key (named by `kid`) over the event's canonical
   * JSON, `prev`, `seq` and `kid` included, `hash` and `id` excluded; plain
   * SHA-256 of the same for an unkeyed event (no `kid`).
   */
  hash: string;
  /** The audit key's id; absent on an unkeyed event. */
  kid?: string;
}

/** Where the chain starts: before any event, or after the events retention removed. */
export interface ChainAnchor {
  seq: number;
  hash: string;
}

export const GENESIS: ChainAnchor = { seq: 0, hash: '0'.repeat(64) };

/** JSON with keys sorted at every level, so the same event always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += `${i ? ',' : ''}${canonicalJson(value[i])}`;
    return `${out}]`;
  }
  // Plain loops: this runs for every audit event, and hot during an alert storm.
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  for (const key of keys) {
    const v = obj[key];
    if (v === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

// One-shot hashing (Node ≥ 20.12; engines asks 20.19) is several times faster than a Hash object for small inputs.
const sha256Hex = (text: string): string => oneShotHash('sha256', text, 'hex');

/** An event's hash: keyed (HMAC) when the event names a key, else SHA-256. Never called for a kid the key does not match. */
export function hashEvent(event: Record<string, unknown>, key?: AuditKey): string {
  const { hash: _hash, id: _id, ...rest } = event;
  const canonical = canonicalJson(rest);
  return typeof event.kid === 'string' && key ? key.mac(canonical) : sha256Hex(canonical);
}

/** Links events after `head`: each gets the next seq, the previous hash, the key's id (when keyed) and its own hash. */
export function link<T extends Record<string, unknown>>(events: T[], head: ChainAnchor, key?: AuditKey): Array<T & ChainLink> {
  let { seq, hash } = head;
  return events.map((event) => {
    seq += 1;
    const linked = { ...event, seq, prev: hash, ...(key ? { kid: key.id } : {}) } as T & ChainLink;
    linked.hash = hashEvent(linked, key);
    hash = linked.hash;
    return linked;
  });
}

/**
 * `link`, also giving each event's stored JSON: its canonical JSON with the
 * hash, so an event is serialised once for both.
 */
export function linkEncoded<T extends Record<string, unknown>>(events: T[], head: ChainAnchor, key?: AuditKey): Array<{ event: T & ChainLink; json: string }> {
  let { seq, hash } = head;
  return events.map((body) => {
    seq += 1;
    const event = (key ? { ...body, seq, prev: hash, kid: key.id } : { ...body, seq, prev: hash }) as T & ChainLink;
    // What hashEvent hashes; without an object rest copy when there is nothing to leave out (the usual case).
    let canonical: string;
    if (Object.hasOwn(event, 'hash') || Object.hasOwn(event, 'id')) {
      const { hash: _hash, id: _id, ...rest } = event as T & ChainLink & { id?: unknown };
      canonical = canonicalJson(rest);
    } else {
      canonical = canonicalJson(event);
    }
    event.hash = key ? key.mac(canonical) : sha256Hex(canonical);
    hash = event.hash;
    // The canonical JSON of an object is never empty (seq and prev at least): add the hash first.
    return { event, json: `{"hash":${JSON.stringify(hash)},${canonical.slice(1)}` };
  });
}

export interface VerifyResult {
  ok: boolean;
  /** Events checked. */
  checked: number;
  /** Of those, the keyed ones (HMAC with the configured key)… */
  keyed: number;
  /** …and the unkeyed ones (plain SHA-256: anyone who can write the log could have recomputed them). */
  unkeyed: number;
  /** The last unkeyed event's seq; with a key configured, unkeyed events may only come before every keyed one. */
  lastUnkeyed?: number;
  /** The first event that breaks the chain, and why. */
  broken?: { seq: number | undefined; id: string | undefined; reason: string };
  /** Last good link (the new head when ok). */
  head: ChainAnchor;
}

/** Why an event's own hash does not hold, or undefined when it does. */
function hashProblem(event: Record<string, unknown>, seq: number, key: AuditKey | undefined, keyedBefore: boolean): string | undefined {
  if (typeof event.kid === 'string') {
    if (!key) return `event ${seq} is keyed (key ${event.kid}) but no audit key is configured, so it cannot be checked: set DROVER_AUDIT_KEY`;
    if (event.kid !== key.id) return `event ${seq} is keyed with key ${event.kid}, not the configured key ${key.id}`;
    return hashEvent(event, key) === event.hash ? undefined : `event ${seq} was altered: its content does not match its HMAC`;
  }
  if (keyedBefore) return `event ${seq} is unkeyed after keyed events: it was written or rewritten without the key`;
  return hashEvent(event) === event.hash ? undefined : `event ${seq} was altered: its content does not match its hash`;
}

/**
 * Walks events in stored order from the anchor. An edited event no longer
 * matches its hash (or, keyed, its HMAC, which cannot be recomputed without
 * the key); a removed, inserted or reordered one breaks the sequence or the
 * link to the one before. Reports the first event where that happens. What
 * this cannot see (events removed after the last one) is for the head and
 * the checkpoints to say.
 */
export function verifyChain(events: Array<Record<string, unknown> & { id?: string }>, anchor: ChainAnchor = GENESIS, key?: AuditKey): VerifyResult {
  let expected: ChainAnchor = { seq: anchor.seq, hash: anchor.hash };
  let checked = 0;
  let keyed = 0;
  let lastUnkeyed: number | undefined;
  const counts = () => ({ checked, keyed, unkeyed: checked - keyed, ...(lastUnkeyed !== undefined ? { lastUnkeyed } : {}) });
  for (const event of events) {
    const seq = typeof event.seq === 'number' ? event.seq : undefined;
    const at = { seq, id: event.id };
    const fail = (reason: string): VerifyResult => ({ ok: false, ...counts(), broken: { ...at, reason }, head: expected });
    if (seq === undefined || typeof event.hash !== 'string' || typeof event.prev !== 'string') return fail('not a chained event (no seq, prev or hash)');
    const problem = hashProblem(event, seq, key, keyed > 0);
    if (problem) return fail(problem);
    if (seq !== expected.seq + 1) {
      return fail(
        seq <= expected.seq
          ? `event ${seq} is out of order or inserted: expected event ${expected.seq + 1}`
          : `event(s) ${expected.seq + 1}${seq - 1 > expected.seq + 1 ? `–${seq - 1}` : ''} missing before event ${seq}`,
      );
    }
    if (event.prev !== expected.hash) return fail(`event ${seq} does not link to event ${expected.seq}: an event before it was replaced or inserted`);
    expected = { seq, hash: event.hash };
    checked++;
    if (typeof event.kid === 'string') keyed++;
    else lastUnkeyed = seq;
  }
  return { ok: true, ...counts(), head: expected };
}
