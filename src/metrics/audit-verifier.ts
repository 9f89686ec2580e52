import type { Redis } from 'ioredis';
import type { AuditKey } from '../audit/audit-key.js';
import type { ChainAnchor } from '../audit/chain.js';
import { parseAnchor, type LogVerification } from '../audit/verify-log.js';
import { frontProblem, readEnds, readRange, retryWhenTrimmed, verifyPages, verifyWholeLogOnce, type PagedVerification, type StoredLog } from '../audit/verify-stored-log.js';

export interface AuditVerifierDeps {
  redis: Redis;
  /** The audit stream, its head and anchor keys (AuditLog's). */
  keys: { stream: string; head: string; anchor: string };
  key?: AuditKey | undefined;
  acceptUnkeyedThrough?: number | undefined;
  /** Told every result: ok, broken (with the verification), or error (Redis did not answer). */
  onResult: (result: 'ok' | 'broken' | 'error', detail: unknown) => void;
  /** A whole verification from the anchor at least this often (default a day); in between, only new events are read. */
  fullEveryMs?: number;
  now?: () => number;
}

type Position = ChainAnchor & { id: string };

/**
 * The serving process's periodic check of the audit log, for
 * drover_audit_chain_valid. The first check (and one a day) verifies the whole
 * log as `drover audit verify` does; the others verify only the events appended
 * since the last good one, chained from it, and that Drover's head is still
 * reached: the deletion of the newest events is seen within one interval
 * either way. If the last good event is gone (retention, or tampering) or
 * changed, the next check is a whole one.
 */
export class AuditVerifier {
  private last: Position | undefined;
  private lastFullAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<LogVerification | undefined> | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: AuditVerifierDeps) {
    this.now = deps.now ?? Date.now;
  }

  start(intervalMs: number): void {
    if (this.timer || intervalMs <= 0) return;
    const tick = () => void this.verify();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
    tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One check; its result goes to `onResult` (undefined: Redis did not answer). Never two at once. */
  verify(): Promise<LogVerification | undefined> {
    this.running ??= this.check()
      .then((result) => {
        this.deps.onResult(result.ok ? 'ok' : 'broken', result);
        return result;
      })
      .catch((err: unknown) => {
        this.deps.onResult('error', err);
        return undefined;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private check(): Promise<LogVerification> {
    const log = { redis: this.deps.redis, keys: this.deps.keys };
    return retryWhenTrimmed(log, () => this.checkOnce(log)).then((r) => r.result);
  }

  private async checkOnce(log: StoredLog): Promise<PagedVerification> {
    const policy = { key: this.deps.key, acceptUnkeyedThrough: this.deps.acceptUnkeyedThrough };
    let from = this.now() - this.lastFullAt >= (this.deps.fullEveryMs ?? 86_400_000) ? undefined : this.last;
    let checked: PagedVerification | undefined;
    if (from) {
      // Head, anchor and the oldest event in one step: retention cannot move the anchor in between.
      const ends = await readEnds(log, 1);
      const [still] = ends.head ? await readRange(log, from.id, from.id) : [];
      if (!still || still.seq !== from.seq || still.hash !== from.hash) from = undefined;
      else {
        // The front too, at every check: the oldest events removed without re-anchoring (not retention) are seen at once.
        const front = frontProblem(parseAnchor(ends.anchor), ends.oldest[0], policy.key);
        checked = front
          ? { result: front, newest: undefined }
          : await verifyPages(log, await readRange(log, `(${from.id}`, '+'), { seq: from.seq, hash: from.hash }, ends.head, policy);
      }
    }
    // A whole check, as `drover audit verify` does it.
    checked ??= await verifyWholeLogOnce(log, policy);
    const { result, newest } = checked;
    if (!result.ok) {
      this.last = undefined;
      return checked;
    }
    if (!from) this.lastFullAt = this.now();
    if (newest && typeof newest.seq === 'number' && typeof newest.hash === 'string') this.last = { id: newest.id, seq: newest.seq, hash: newest.hash };
    else if (!from) this.last = undefined;
    return checked;
  }
}
