import { GENESIS, verifyChain, type ChainAnchor } from './chain.js';
import { checkpointMismatch, checkpointProblem, isCheckpoint, type Checkpoint } from './checkpoint.js';
import { failAt, judgeCheckpoint, judgeUnkeyed, type LogVerification, type VerifyPolicy } from './verify-log.js';

export interface FileVerification extends LogVerification {
  /** Checkpoints found in the file, each checked. */
  checkpoints: number;
  /** The file's last checkpoint. */
  lastCheckpoint?: Checkpoint;
  /** Events after it: the chain alone vouches for them (cutting them off is seen only against a later checkpoint kept elsewhere). */
  unanchored: number;
}

/**
 * Verifies an audit file (JSON lines, as Drover writes it) on its own: every
 * line is an event or a checkpoint; the events form one chain (keyed when a
 * key is given); every checkpoint is signed and matches the events it
 * covers; the file still holds everything its last checkpoint (and
 * `policy.checkpoint`, one kept elsewhere, such as a SIEM) covers.
 */
export function verifyAuditFile(text: string, policy: VerifyPolicy): FileVerification {
  const events: Array<Record<string, unknown> & { id?: string }> = [];
  const checkpoints: Checkpoint[] = [];
  const lines = text.split('\n');
  let malformed: { line: number; reason: string } | undefined;
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      malformed = { line: i + 1, reason: `line ${i + 1} is not JSON` };
      break;
    }
    if (isCheckpoint(value)) checkpoints.push(value);
    else if ((value as { audit?: unknown }).audit === true) {
      const { audit: _audit, ...event } = value as Record<string, unknown>;
      events.push(event);
    } else {
      malformed = { line: i + 1, reason: `line ${i + 1} is neither an audit event nor a checkpoint` };
      break;
    }
  }
  const first = events[0];
  // A file that does not start at #1 starts after what it was never given; its first link is taken as it is.
  const anchor: ChainAnchor =
    first && typeof first.seq === 'number' && first.seq > 1 && typeof first.prev === 'string' ? { seq: first.seq - 1, hash: first.prev } : GENESIS;
  const lastCp = checkpoints[checkpoints.length - 1];
  const base: FileVerification = {
    ...verifyChain(events, anchor, policy.key),
    anchor,
    ...(policy.key ? { keyId: policy.key.id } : {}),
    checkpoints: checkpoints.length,
    ...(lastCp ? { lastCheckpoint: lastCp } : {}),
    unanchored: 0,
  };
  let result: FileVerification = base;
  if (malformed) return { ...failAt(result, undefined, malformed.reason), checkpoints: checkpoints.length, unanchored: 0 };
  if (!result.ok) return result;

  const hashes = new Map<number, string>();
  for (const e of events) hashes.set(e.seq as number, e.hash as string);
  const held = { first: anchor.seq + 1, last: result.head.seq, hashAt: (seq: number) => hashes.get(seq), retained: false };
  for (const cp of checkpoints) {
    const problem = checkpointProblem(cp, policy.key) ?? checkpointMismatch(cp, held);
    if (problem) return { ...failAt(result, cp.seq, problem), checkpoints: checkpoints.length, unanchored: 0 };
  }
  result = { ...result, unanchored: lastCp ? result.head.seq - lastCp.seq : events.length };
  const judged = judgeCheckpoint(judgeUnkeyed(result, policy), hashes, false, policy);
  return { ...result, ...judged };
}
