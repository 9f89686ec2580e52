import type { AuditKey } from './audit-key.js';
import { verifyChain, type ChainAnchor, type VerifyResult } from './chain.js';
import { checkpointMismatch, checkpointProblem, type Checkpoint } from './checkpoint.js';
import { sealProblem } from './seal.js';

type StoredEvent = Record<string, unknown> & { id?: string };

/** A verification of the whole log: the chain, its ends, and the checkpoint it was compared with. */
export interface LogVerification extends VerifyResult {
  /** Where the chain starts (after retention, for Redis; the event before the first, for a file). */
  anchor: ChainAnchor;
  /** The key the chain was checked with; undefined: no key is configured (an unkeyed chain proves less). */
  keyId?: string;
  /** The checkpoint the log was compared with. */
  checkpoint?: Checkpoint;
}

export interface VerifyPolicy {
  key?: AuditKey | undefined;
  /** Unkeyed events up to this seq were written before the key was set, and are accepted (reported). */
  acceptUnkeyedThrough?: number | undefined;
  /** The latest checkpoint kept outside the log. */
  checkpoint?: Checkpoint | undefined;
}

export function failAt(result: LogVerification, seq: number | undefined, reason: string): LogVerification {
  return { ...result, ok: false, broken: { seq, id: undefined, reason } };
}

/**
 * With a key configured, unkeyed events are accepted only where the operator
 * said they predate the key: a rewrite by someone without the key produces
 * exactly such events, so they are never accepted silently.
 */
export function judgeUnkeyed(result: LogVerification, policy: VerifyPolicy): LogVerification {
  if (!result.ok || !policy.key || result.lastUnkeyed === undefined) return result;
  const accepted = policy.acceptUnkeyedThrough ?? 0;
  if (result.lastUnkeyed <= accepted) return result;
  const from = Math.max(result.anchor.seq + 1, accepted + 1);
  return failAt(
    result,
    from,
    `event(s) #${from}–#${result.lastUnkeyed} are unkeyed (plain SHA-256) though a key is configured: written before the key was set, or rewritten by someone without it. If the key was set after #${result.lastUnkeyed}, accept them with --accept-unkeyed ${result.lastUnkeyed} (audit.acceptUnkeyedThrough)`,
  );
}

/** Compares a verified log with the latest checkpoint: its signature, then that the events it covers are still there, unchanged. */
export function judgeCheckpoint(result: LogVerification, hashes: Map<number, string>, retained: boolean, policy: VerifyPolicy): LogVerification {
  const cp = policy.checkpoint;
  if (!result.ok || !cp) return result;
  const withCp = { ...result, checkpoint: cp };
  const bad = checkpointProblem(cp, policy.key);
  if (bad) return failAt(withCp, cp.seq, bad);
  const mismatch = checkpointMismatch(cp, { first: result.anchor.seq + 1, last: result.head.seq, hashAt: (seq) => hashes.get(seq), retained });
  return mismatch ? failAt(withCp, cp.seq, mismatch) : withCp;
}

/** Reads a stored `{seq, hash}` (head or anchor), signed or not; undefined when absent or unreadable. */
export function parseAnchor(raw: string | null | undefined): (ChainAnchor & Record<string, unknown>) | undefined {
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as ChainAnchor & Record<string, unknown>;
    return typeof value.seq === 'number' && typeof value.hash === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export interface RedisSnapshot {
  events: StoredEvent[];
  /** The anchor key's value; absent: the chain starts at genesis. */
  anchor: (ChainAnchor & Record<string, unknown>) | undefined;
  /** The head key read before the events… */
  headBefore: (ChainAnchor & Record<string, unknown>) | undefined;
  /** …and after (appends may land while verifying). */
  headAfter: (ChainAnchor & Record<string, unknown>) | undefined;
}

/**
 * Verifies the log as stored in Redis: the anchor's signature, the chain,
 * that it reaches the head Drover keeps (so deleting the newest events is
 * seen), the head's signature, unkeyed events, and the latest checkpoint.
 */
export function verifyRedisLog(snap: RedisSnapshot, genesis: ChainAnchor, policy: VerifyPolicy): LogVerification {
  const { key } = policy;
  const anchor: ChainAnchor = snap.anchor ? { seq: snap.anchor.seq, hash: snap.anchor.hash } : genesis;
  const chain = verifyChain(snap.events, anchor, key);
  let result: LogVerification = { ...chain, anchor, ...(key ? { keyId: key.id } : {}) };
  const first = snap.events[0];
  if (snap.anchor) {
    const problem = sealProblem('anchor', snap.anchor, key);
    const firstKeyed = typeof first?.kid === 'string';
    if (problem === 'missing' ? key && firstKeyed : problem) {
      return failAt(result, anchor.seq, `${problem === 'missing' ? 'the anchor is not signed' : problem}: events up to #${anchor.seq} were removed by someone other than Drover's retention`);
    }
  }
  if (!result.ok) return result;

  const hashes = new Map<number, string>();
  for (const e of snap.events) if (typeof e.seq === 'number' && typeof e.hash === 'string') hashes.set(e.seq, e.hash);
  const last = result.head;
  const before = snap.headBefore;
  const after = snap.headAfter;
  if (!after && !before) {
    if (last.seq > anchor.seq) return failAt(result, last.seq, `the chain's head is missing from Redis: it was deleted, and newer events may have been with it`);
  } else {
    const known = before ?? after;
    if (known && known.seq > last.seq) {
      return failAt(result, last.seq + 1, `event(s) #${last.seq + 1}${known.seq > last.seq + 1 ? `–#${known.seq}` : ''} missing at the end: Drover's head names #${known.seq} but the log ends at #${last.seq}`);
    }
    if (after && last.seq > after.seq) {
      return failAt(result, after.seq + 1, `event(s) after the head (#${after.seq}) were not appended by Drover`);
    }
    for (const head of [before, after]) {
      if (!head || head.seq < anchor.seq + 1 || head.seq > last.seq) continue;
      if (hashes.get(head.seq) !== head.hash) return failAt(result, head.seq, `event #${head.seq} is not the one Drover's head names: the log was rewritten`);
      const problem = sealProblem('head', head, key);
      const keyedAt = key && hashes.has(head.seq) && snap.events.find((e) => e.seq === head.seq)?.kid !== undefined;
      if (problem === 'missing' ? keyedAt : problem) return failAt(result, head.seq, problem === 'missing' ? 'the head is not signed, though its event is keyed: it was reset by someone without the key' : `${problem}`);
    }
  }
  result = judgeUnkeyed(result, policy);
  return judgeCheckpoint(result, hashes, true, policy);
}
