import type { AuditKey } from './audit-key.js';
import { seal, sealProblem, type Seal } from './seal.js';

/**
 * A signed statement, kept outside Redis (the audit file, standard output and
 * whatever ships it), of how far the chain went: the events `first`..`seq`
 * were there, the last one hashing to `hash`. Whoever rewrites or shortens
 * the log afterwards cannot make it agree with this without the key.
 */
export interface Checkpoint extends Seal {
  audit: 'checkpoint';
  /** The newest event covered. */
  seq: number;
  /** Its hash. */
  hash: string;
  /** The oldest event the copy held then. */
  first: number;
  /** Events covered (`seq - first + 1`). */
  count: number;
  time: string;
}

export function makeCheckpoint(at: { seq: number; hash: string; first: number; time: Date }, key: AuditKey | undefined): Checkpoint {
  return seal('checkpoint', { audit: 'checkpoint' as const, seq: at.seq, hash: at.hash, first: at.first, count: at.seq - at.first + 1, time: at.time.toISOString() }, key);
}

export function isCheckpoint(value: unknown): value is Checkpoint {
  const v = value as Partial<Checkpoint> | null;
  return typeof v === 'object' && v !== null && v.audit === 'checkpoint' && typeof v.seq === 'number' && typeof v.hash === 'string' && typeof v.first === 'number';
}

/** A checkpoint as written to a sink, or inside a log line (`{"auditCheckpoint": {…}, "msg": …}`). */
export function checkpointIn(value: unknown): Checkpoint | undefined {
  if (isCheckpoint(value)) return value;
  const inner = (value as { auditCheckpoint?: unknown } | null)?.auditCheckpoint;
  return isCheckpoint(inner) ? inner : undefined;
}

/** The last checkpoint among JSON lines (an audit file, or lines copied from a log system); undefined when none. */
export function lastCheckpoint(text: string): Checkpoint | undefined {
  let found: Checkpoint | undefined;
  for (const line of text.split('\n')) {
    if (!line.includes('"checkpoint"')) continue;
    try {
      found = checkpointIn(JSON.parse(line)) ?? found;
    } catch {
      // not a checkpoint line
    }
  }
  return found;
}

/**
 * Why a checkpoint cannot be trusted, if it cannot: a wrong signature, or
 * none while a key is configured. Undefined for a good signature, and for an
 * unsigned checkpoint when there is no key (reported as unkeyed by the caller).
 */
export function checkpointProblem(cp: Checkpoint, key: AuditKey | undefined): string | undefined {
  const problem = sealProblem('checkpoint', cp as unknown as Record<string, unknown>, key);
  if (problem === 'missing') return key ? `the checkpoint at #${cp.seq} (${cp.time}) is not signed, though a key is configured: it was forged` : undefined;
  return problem && `checkpoint at #${cp.seq} (${cp.time}): ${problem}`;
}

/**
 * Compares a log holding events `first`..`last` (`hashAt` gives a held
 * event's hash) with a checkpoint: events it covers must still be there and
 * unchanged. `retained` is true for Redis, whose retention may have removed
 * the oldest events (not for a file).
 */
export function checkpointMismatch(cp: Checkpoint, held: { first: number; last: number; hashAt: (seq: number) => string | undefined; retained: boolean }): string | undefined {
  if (held.last < cp.seq) {
    return `the log ends at #${held.last} but the checkpoint of ${cp.time} covers up to #${cp.seq}: event(s) #${held.last + 1}–#${cp.seq} were removed`;
  }
  if (!held.retained && held.first > cp.first) {
    return `the log starts at #${held.first} but the checkpoint of ${cp.time} covers from #${cp.first}: event(s) #${cp.first}–#${held.first - 1} were removed`;
  }
  if (cp.seq < held.first) return undefined; // removed since by retention: the anchor vouches for what followed
  const hash = held.hashAt(cp.seq);
  if (hash !== cp.hash) return `event #${cp.seq} is not the one the checkpoint of ${cp.time} signed: the log was rewritten`;
  return undefined;
}
