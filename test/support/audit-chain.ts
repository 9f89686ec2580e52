import { auditKey, type AuditKey } from '../../src/audit/audit-key.js';
import { GENESIS, link, type ChainLink } from '../../src/audit/chain.js';
import { makeCheckpoint, type Checkpoint } from '../../src/audit/checkpoint.js';

export const KEY = auditKey('k'.repeat(16) + '0123456789abcdef0123');
/** A key an attacker could use: right length, wrong secret. */
export const OTHER_KEY = auditKey('x'.repeat(40));

export type Ev = Record<string, unknown> & ChainLink & { id?: string };

export const body = (i: number) => ({ v: 1, time: `2026-11-24T10:00:${String(i).padStart(2, '0')}Z`, type: 'run.started', runId: `r${i}`, runbook: 'rb', cluster: 'c', attempt: 1, resumed: false });

/** A chain of `n` events, keyed or not. */
export function chainOf(n: number, key?: AuditKey): Ev[] {
  return link<Record<string, unknown>>(Array.from({ length: n }, (_, i) => body(i + 1)), GENESIS, key);
}

/** What someone who can write the log but lacks the key does after changing it: links and hashes everything again (SHA-256, or another key). */
export function relink(events: Array<Record<string, unknown>>, key?: AuditKey): Ev[] {
  const bodies = events.map(({ seq: _s, prev: _p, hash: _h, kid: _k, id: _i, ...rest }) => rest);
  return link(bodies, GENESIS, key);
}

export const checkpointOf = (events: Ev[], key?: AuditKey, first = 1): Checkpoint => {
  const last = events[events.length - 1]!;
  return makeCheckpoint({ seq: last.seq, hash: last.hash, first, time: new Date('2026-11-24T11:00:00Z') }, key);
};

/** The single-event changes and truncations of a chain, at every position. */
export function tamperings(n: number): Array<{ name: string; kind: string; at: number; change: (events: Ev[]) => Ev[] }> {
  const cases: Array<{ name: string; kind: string; at: number; change: (events: Ev[]) => Ev[] }> = [];
  for (let i = 0; i < n; i++) {
    cases.push({ name: `edit #${i + 1}`, kind: 'edit', at: i + 1, change: (e) => e.map((ev, j) => (j === i ? { ...ev, runId: 'tampered' } : ev)) });
    cases.push({ name: `delete #${i + 1}`, kind: 'delete', at: i + 1, change: (e) => e.filter((_, j) => j !== i) });
    cases.push({ name: `insert a copy after #${i + 1}`, kind: 'insert', at: i + 1, change: (e) => [...e.slice(0, i + 1), { ...e[i]!, runId: 'inserted' }, ...e.slice(i + 1)] });
    if (i < n - 1) cases.push({ name: `swap #${i + 1} and #${i + 2}`, kind: 'reorder', at: i + 1, change: (e) => [...e.slice(0, i), e[i + 1]!, e[i]!, ...e.slice(i + 2)] });
    cases.push({ name: `truncate to #${i}`, kind: 'truncate', at: i, change: (e) => e.slice(0, i) });
  }
  return cases;
}
