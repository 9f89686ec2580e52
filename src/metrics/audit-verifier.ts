import type { Redis } from 'ioredis';
import type { AuditKey } from '../audit/audit-key.js';
import { GENESIS, verifyChain, type ChainAnchor } from '../audit/chain.js';
import { sealProblem } from '../audit/seal.js';
import { failAt, judgeUnkeyed, parseAnchor, verifyRedisLog, type LogVerification } from '../audit/verify-log.js';

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
/** Checks redone when retention moved the anchor meanwhile. */
const RETRIES_WHEN_TRIMMED = 3;

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

  /**
   * Retention may trim the front of the log while a check reads it (the
   * anchor read before events that are gone by the time they are read): such
   * a check is done again, so normal retention is never reported as a break.
   */
  private async check(): Promise<LogVerification> {
    let result: LogVerification | undefined;
    for (let i = 0; i < RETRIES_WHEN_TRIMMED; i++) {
      const anchorBefore = await this.deps.redis.get(this.deps.keys.anchor);
      result = await this.checkOnce();
      if (result.ok || (await this.deps.redis.get(this.deps.keys.anchor)) === anchorBefore) return result;
    }
    return result!;
  }

  private async checkOnce(): Promise<LogVerification> {
    let from = this.now() - this.lastFullAt >= (this.deps.fullEveryMs ?? 86_400_000) ? undefined : this.last;
    // Head, anchor and the oldest events in one step: retention cannot move the anchor in between.
    let ends = await this.readEnds(from ? 1 : PAGE);
    // No head at all: from the anchor.
    if (!ends.head) from = undefined;
    if (from) {
      const [still] = await this.read(from.id, from.id);
      if (!still || still.seq !== from.seq || still.hash !== from.hash) from = undefined;
      else {
        // The front too, at every check: the oldest events removed without re-anchoring (not retention) are seen at once.
        const front = this.frontProblem(parseAnchor(ends.anchor), ends.oldest[0]);
        if (front) {
          this.last = undefined;
          return front;
        }
      }
    }
    let first: StoredEvent[];
    let start: ChainAnchor;
    if (from) {
      first = await this.read(`(${from.id}`, '+');
      start = { seq: from.seq, hash: from.hash };
    } else {
      // A whole check: its first page read with the anchor it starts from; the anchor's signature and the first link checked first.
      if (ends.count === 1) ends = await this.readEnds(PAGE);
      const front = this.frontProblem(parseAnchor(ends.anchor), ends.oldest[0]);
      if (front) {
        this.last = undefined;
        return front;
      }
      const stored = parseAnchor(ends.anchor);
      start = stored ? { seq: stored.seq, hash: stored.hash } : GENESIS;
      first = ends.oldest;
    }
    const { result, newest } = await this.verifyPages(first, start, ends.head);
    if (!result.ok) {
      this.last = undefined;
      return result;
    }
    if (!from) this.lastFullAt = this.now();
    if (newest && typeof newest.seq === 'number' && typeof newest.hash === 'string') this.last = { id: newest.id, seq: newest.seq, hash: newest.hash };
    else if (!from) this.last = undefined;
    return result;
  }

  /**
   * Verifies the events from `start` page by page, keeping only the position
   * between pages: a whole check of a log of a million events (the default
   * audit.maxLength) never holds it in memory at once. The last page is
   * checked against Drover's head as `drover audit verify` does.
   */
  private async verifyPages(page: StoredEvent[], start: ChainAnchor, headBefore: string | null): Promise<{ result: LogVerification; newest: StoredEvent | undefined }> {
    const policy = { key: this.deps.key, acceptUnkeyedThrough: this.deps.acceptUnkeyedThrough };
    let position = start;
    let counted = { checked: 0, keyed: 0, unkeyed: 0 };
    const total = (r: LogVerification) => ({ checked: counted.checked + r.checked, keyed: counted.keyed + r.keyed, unkeyed: counted.unkeyed + r.unkeyed });
    let newest: StoredEvent | undefined;
    for (let last = page[page.length - 1]; page.length >= PAGE && last; last = page[page.length - 1]) {
      const chain = judgeUnkeyed({ ...verifyChain(page, position, policy.key), anchor: position }, policy);
      if (!chain.ok) return { result: { ...chain, ...total(chain), anchor: start }, newest };
      counted = total(chain);
      position = chain.head;
      newest = last;
      page = await this.read(`(${last.id}`, '+');
    }
    // Without a head when read (an empty log) the events read are all there was: a head written since names later events.
    const headAfter = headBefore ? await this.deps.redis.get(this.deps.keys.head) : null;
    const result = verifyRedisLog({ events: page, anchor: undefined, headBefore: parseAnchor(headBefore), headAfter: parseAnchor(headAfter) }, position, policy);
    return { result: { ...result, ...total(result), anchor: start }, newest: page[page.length - 1] ?? newest };
  }

  /** The anchor (or genesis) and the oldest event kept: the anchor's signature, and that the oldest event follows it. */
  private frontProblem(stored: (ChainAnchor & Record<string, unknown>) | undefined, oldest: StoredEvent | undefined): LogVerification | undefined {
    if (!oldest) return undefined;
    const { key } = this.deps;
    const anchor: ChainAnchor = stored ? { seq: stored.seq, hash: stored.hash } : GENESIS;
    const chain: LogVerification = { ...verifyChain([oldest], anchor, key), anchor };
    if (!chain.ok) return chain;
    // As `drover audit verify` judges it: an unsigned anchor before keyed events was not written by Drover's retention.
    const problem = stored ? sealProblem('anchor', stored, key) : undefined;
    if (problem === 'missing' ? key && typeof oldest.kid === 'string' : problem) {
      return failAt(chain, anchor.seq, `${problem === 'missing' ? 'the anchor is not signed' : problem}: events up to #${anchor.seq} were removed by someone other than Drover's retention`);
    }
    return undefined;
  }

  /** The head, the anchor and the `count` oldest events, read at once. */
  private async readEnds(count: number): Promise<{ head: string | null; anchor: string | null; oldest: StoredEvent[]; count: number }> {
    const { redis, keys } = this.deps;
    const replies = await redis.multi().get(keys.head).get(keys.anchor).xrange(keys.stream, '-', '+', 'COUNT', count).exec();
    if (!replies) throw new Error('audit verification: the transaction was aborted');
    for (const [err] of replies) if (err) throw err;
    return {
      head: replies[0]?.[1] as string | null,
      anchor: replies[1]?.[1] as string | null,
      oldest: this.parse(replies[2]?.[1] as Array<[string, string[]]>),
      count,
    };
  }

  private async read(start: string, end: string, count = PAGE): Promise<StoredEvent[]> {
    return this.parse(await this.deps.redis.xrange(this.deps.keys.stream, start, end, 'COUNT', count));
  }

  private parse(page: Array<[string, string[]]>): StoredEvent[] {
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
}
