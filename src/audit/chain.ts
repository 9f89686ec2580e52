import { createHash } from 'node:crypto';

/** The fields that link an audit event into the chain. */
export interface ChainLink {
  /** Position in the log, from 1, without gaps. */
  seq: number;
  /** `hash` of the event before (the anchor's for the first one kept). */
  prev: string;
  /** SHA-256 over the event's canonical JSON, `prev` and `seq` included, `hash` and `id` excluded. */
  hash: string;
}

/** Where the chain starts: before any event, or after the events retention removed. */
export interface ChainAnchor {
  seq: number;
  hash: string;
}

export const GENESIS: ChainAnchor = { seq: 0, hash: '0'.repeat(64) };

/** JSON with keys sorted at every level, so the same event always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function hashEvent(event: Record<string, unknown>): string {
  const { hash: _hash, id: _id, ...rest } = event;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** Links events after `head`: each gets the next seq, the previous hash and its own. */
export function link<T extends Record<string, unknown>>(events: T[], head: ChainAnchor): Array<T & ChainLink> {
  let { seq, hash } = head;
  return events.map((event) => {
    seq += 1;
    const linked = { ...event, seq, prev: hash } as T & ChainLink;
    linked.hash = hashEvent(linked);
    hash = linked.hash;
    return linked;
  });
}

export interface VerifyResult {
  ok: boolean;
  /** Events checked. */
  checked: number;
  /** The first event that breaks the chain, and why. */
  broken?: { seq: number | undefined; id: string | undefined; reason: string };
  /** Last good link (the new head when ok). */
  head: ChainAnchor;
}

/**
 * Walks events in stored order from the anchor. An edited event no longer
 * matches its hash; a removed, inserted or reordered one breaks the sequence
 * or the link to the one before. Reports the first event where that happens.
 */
export function verifyChain(events: Array<Record<string, unknown> & { id?: string }>, anchor: ChainAnchor = GENESIS): VerifyResult {
  let expected = anchor;
  let checked = 0;
  for (const event of events) {
    const seq = typeof event.seq === 'number' ? event.seq : undefined;
    const at = { seq, id: event.id };
    const fail = (reason: string): VerifyResult => ({ ok: false, checked, broken: { ...at, reason }, head: expected });
    if (seq === undefined || typeof event.hash !== 'string' || typeof event.prev !== 'string') return fail('not a chained event (no seq, prev or hash)');
    if (hashEvent(event) !== event.hash) return fail(`event ${seq} was altered: its content does not match its hash`);
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
  }
  return { ok: true, checked, head: expected };
}
