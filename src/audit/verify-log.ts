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

/**
 * The stored anchor's signature, judged with the oldest event kept: an
 * unsigned anchor before keyed events was not written by Drover's retention.
 */
export function anchorProblem(result: LogVerification, stored: Record<string, unknown> | undefined, oldest: Record<string, unknown> | undefined, key: AuditKey | undefined): LogVerification | undefined {
  if (!stored) return undefined;
  const problem = sealProblem('anchor', stored, key);
  if (problem === 'missing' ? !key || typeof oldest?.kid !== 'string' : !problem) return undefined;
  return failAt(result, result.anchor.seq, `${problem === 'missing' ? 'the anchor is not signed' : problem}: events up to #${result.anchor.seq} were removed by someone other than Drover's retention`);
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
  const result: LogVerification = { ...chain, anchor, ...(key ? { keyId: key.id } : {}) };
  const problem = anchorProblem(result, snap.anchor, snap.events[0], key);
  if (problem) return problem;
  if (!result.ok) return result;
  const held = new Map<number, HeldEvent>();
  for (const e of snap.events) if (typeof e.seq === 'number' && typeof e.hash === 'string') held.set(e.seq, { hash: e.hash, keyed: e.kid !== undefined });
  return judgeEnds(result, snap, held, policy);
}

/** An event verified, as the end checks need it. */
export interface HeldEvent {
  hash: string;
  keyed: boolean;
}

/**
 * The checks after a good chain from `result.anchor` to `result.head`: that
 * it reaches the head Drover keeps and the head's signature, unkeyed events,
 * and the latest checkpoint. `held` has at least the events verified at the
 * seqs of the heads and of the checkpoint: a paged verification keeps only those.
 */
export function judgeEnds(result: LogVerification, heads: Pick<RedisSnapshot, 'headBefore' | 'headAfter'>, held: Map<number, HeldEvent>, policy: VerifyPolicy): LogVerification {
  const { key } = policy;
  const { anchor } = result;
  const last = result.head;
  const before = heads.headBefore;
  const after = heads.headAfter;
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
      if (held.get(head.seq)?.hash !== head.hash) return failAt(result, head.seq, `event #${head.seq} is not the one Drover's head names: the log was rewritten`);
      const problem = sealProblem('head', head, key);
      const keyedAt = key && held.get(head.seq)?.keyed;
      if (problem === 'missing' ? keyedAt : problem) return failAt(result, head.seq, problem === 'missing' ? 'the head is not signed, though its event is keyed: it was reset by someone without the key' : `${problem}`);
    }
  }
  const hashes = new Map<number, string>();
  for (const [seq, e] of held) hashes.set(seq, e.hash);
  return judgeCheckpoint(judgeUnkeyed(result, policy), hashes, true, policy);
}
