import type { Redis } from 'ioredis';
import type { AuditKey } from '../audit/audit-key.js';
import { GENESIS, type ChainAnchor } from '../audit/chain.js';
import { parseAnchor, verifyRedisLog, type LogVerification } from '../audit/verify-log.js';

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
type StoredEvent = Record<string, unknown> & { id: string };

const PAGE = 5000;

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

  private async check(): Promise<LogVerification> {
    const { redis, keys } = this.deps;
    const [headBefore, anchor] = await Promise.all([redis.get(keys.head), redis.get(keys.anchor)]);
    let from = this.last;
    // No head at all, or time for the whole log: from the anchor.
    if (!headBefore || this.now() - this.lastFullAt >= (this.deps.fullEveryMs ?? 86_400_000)) from = undefined;
    if (from) {
      const [still] = await this.read(from.id, from.id);
      if (!still || still.seq !== from.seq || still.hash !== from.hash) from = undefined;
    }
    const events = await this.readAfter(from?.id);
    const headAfter = await redis.get(keys.head);
    const result = verifyRedisLog(
      { events, anchor: from ? undefined : parseAnchor(anchor), headBefore: parseAnchor(headBefore), headAfter: parseAnchor(headAfter) },
      from ? { seq: from.seq, hash: from.hash } : GENESIS,
      { key: this.deps.key, acceptUnkeyedThrough: this.deps.acceptUnkeyedThrough },
    );
    if (!result.ok) {
      this.last = undefined;
      return result;
    }
    if (!from) this.lastFullAt = this.now();
    const newest = events[events.length - 1];
    if (newest && typeof newest.seq === 'number' && typeof newest.hash === 'string') this.last = { id: newest.id, seq: newest.seq, hash: newest.hash };
    else if (!from) this.last = undefined;
    return result;
  }

  private async read(start: string, end: string, count = PAGE): Promise<StoredEvent[]> {
    const page = await this.deps.redis.xrange(this.deps.keys.stream, start, end, 'COUNT', count);
    return page.map(([id, fields]) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(fields[1] ?? '') as Record<string, unknown>;
      } catch {
        parsed = {};
      }
      return { ...parsed, id };
    });
  }

  private async readAfter(id: string | undefined): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    let start = id ? `(${id}` : '-';
    for (;;) {
      const page = await this.read(start, '+');
      events.push(...page);
      if (page.length < PAGE) return events;
      start = `(${page[page.length - 1]!.id}`;
    }
  }
}
