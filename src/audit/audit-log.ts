import type { Redis } from 'ioredis';
import { RedisScript } from '../redis-script.js';
import { defaultRedactor, type Redactor } from '../redact/redactor.js';
import { AuditOutbox, auditOutboxKey } from './audit-outbox.js';
import type { AuditKey } from './audit-key.js';
import { GENESIS, linkEncoded, type ChainAnchor } from './chain.js';
import type { Checkpoint } from './checkpoint.js';
import type { AuditEvent, AuditEventBody } from './events.js';
import { seal } from './seal.js';
import { parseAnchor, type LogVerification } from './verify-log.js';
import { verifyStoredLog } from './verify-stored-log.js';

// Appends a batch of already-linked events if the chain's head is still the one
// they were linked to; otherwise answers the current head so the caller relinks.
// ARGV: head, new head, the number of events, the events, then the audit
// outbox fields (KEYS[3]) their events were held under: let go of in the same
// step, so a held event is appended once. Answers the stream's length, so the
// caller trims beyond maxLength.
const APPEND = new RedisScript(`
local head = redis.call('GET', KEYS[2]) or ''
if head ~= ARGV[1] then return {0, head} end
local n = tonumber(ARGV[3])
local ids = {}
for i = 4, 3 + n do ids[#ids + 1] = redis.call('XADD', KEYS[1], '*', 'e', ARGV[i]) end
redis.call('SET', KEYS[2], ARGV[2])
if #ARGV > 3 + n then redis.call('HDEL', KEYS[3], unpack(ARGV, 4 + n)) end
return {1, ids, redis.call('XLEN', KEYS[1])}
`);

// Removes the oldest events up to a stream id and records the last of them as
// the (signed) anchor where the remaining chain starts. A no-op when another
// process already removed them, so the anchor never moves back.
const TRIM = new RedisScript(`
local old = redis.call('XRANGE', KEYS[1], '-', ARGV[1])
if #old == 0 then return 0 end
for _, entry in ipairs(old) do redis.call('XDEL', KEYS[1], entry[1]) end
redis.call('SET', KEYS[2], ARGV[2])
return #old
`);

export interface AuditReadOptions {
  /** Stream id to start after; default: the beginning. */
  after?: string;
  count?: number;
}

export interface AuditLogOptions {
  redis: Redis;
  /** Redis key prefix, e.g. `drover`. */
  prefix: string;
  /** Events kept; older ones are removed and the chain re-anchored. */
  maxLength?: number;
  now?: () => Date;
  /** Called for each appended event, e.g. to mirror it to stdout or a file. */
  mirror?: (event: AuditEvent) => void;
  /** Secrets never reach the audit log: every event goes through it before it is chained. */
  redactor?: Redactor;
  /** Keys the chain (HMAC-SHA256), its head and anchor; without it the chain is plain SHA-256 and says so. */
  key?: AuditKey;
  /** Unkeyed events up to this seq predate the key and are accepted (reported) by `verify`. */
  acceptUnkeyedThrough?: number;
}

interface Pending {
  body: AuditEventBody;
  /** The audit outbox field this event was held under, let go of when it is appended. */
  release: string | undefined;
  time: string;
  /** False for each event of an appendMany batch but its last: a write never splits a batch. */
  ends: boolean;
  resolve: (event: AuditEvent) => void;
  reject: (err: unknown) => void;
}

/**
 * Append-only, tamper-evident record of what Drover did: typed events in a
 * Redis Stream, each carrying its sequence number, the hash of the event
 * before and its own hash. Appends from one process are batched; appends from
 * several processes are serialised by a compare-and-append on the chain's head.
 */
export class AuditLog {
  readonly key: string;
  /** The chain's head and anchor: the periodic verification reads them too. */
  readonly headKey: string;
  readonly anchorKey: string;
  private readonly redis: Redis;
  private readonly maxLength: number;
  private readonly now: () => Date;
  private readonly mirror: ((event: AuditEvent) => void) | undefined;
  private readonly redactor: Redactor;
  readonly auditKey: AuditKey | undefined;
  private readonly acceptUnkeyedThrough: number | undefined;
  /** Events written with the change they record, until they are appended here. */
  readonly outbox: AuditOutbox;
  private readonly outboxKey: string;
  private pending: Pending[] = [];
  private flushing = false;
  private head: string | undefined;

  constructor(options: AuditLogOptions) {
    this.redis = options.redis;
    this.key = `${options.prefix}:audit`;
    this.headKey = `${this.key}:head`;
    this.anchorKey = `${this.key}:anchor`;
    this.maxLength = options.maxLength ?? 1_000_000;
    this.now = options.now ?? (() => new Date());
    this.mirror = options.mirror;
    this.redactor = options.redactor ?? defaultRedactor;
    this.auditKey = options.key;
    this.acceptUnkeyedThrough = options.acceptUnkeyedThrough;
    this.outbox = new AuditOutbox(options.redis, options.prefix, this);
    this.outboxKey = auditOutboxKey(options.prefix);
  }

  /** `release`: the audit outbox field the event was held under, removed in the same step as the append. */
  append(body: AuditEventBody, options: { release?: string } = {}): Promise<AuditEvent> {
    return this.push(body, true, options.release);
  }

  private push(body: AuditEventBody, ends: boolean, release?: string, redacted = false): Promise<AuditEvent> {
    return new Promise((resolve, reject) => {
      this.pending.push({ body: redacted ? body : this.redactor.value(body), release, time: this.now().toISOString(), ends, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /**
   * Appends events in this order, next to each other in the chain: they are
   * written in one compare-and-append, so nothing (from this process or
   * another) comes between them. An alert webhook's events at once.
   */
  appendMany(bodies: AuditEventBody[], options: { release?: string[] } = {}): Promise<AuditEvent[]> {
    // Redacted together: the costly rules run once over the batch's texts.
    const redacted = this.redactor.value(bodies);
    return Promise.all(redacted.map((body, i) => this.push(body, i === bodies.length - 1, options.release?.[i], true)));
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length) {
        let n = Math.min(500, this.pending.length);
        while (!this.pending[n - 1]?.ends && n < this.pending.length) n++;
        const batch = this.pending.splice(0, n);
        try {
          const stored = await this.write(batch);
          batch.forEach((p, i) => {
            const event = stored[i] as AuditEvent;
            this.mirror?.(event);
            p.resolve(event);
          });
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async write(batch: Pending[]): Promise<AuditEvent[]> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const headJson = this.head ?? (await this.redis.get(this.headKey)) ?? '';
      const head: ChainAnchor = parseAnchor(headJson) ?? GENESIS;
      const linked = linkEncoded(
        batch.map((p) => ({ v: 1, time: p.time, ...p.body })),
        head,
        this.auditKey,
      );
      const last = linked[linked.length - 1]?.event as { seq: number; hash: string };
      const newHead = JSON.stringify(seal('head', { seq: last.seq, hash: last.hash }, this.auditKey));
      const released = batch.flatMap((p) => (p.release === undefined ? [] : [p.release]));
      const args = [headJson, newHead, linked.length, ...linked.map((e) => e.json), ...released];
      const [ok, result, length] = (await APPEND.run(this.redis, [this.key, this.headKey, this.outboxKey], args)) as [
        number,
        string[] | string,
        number,
      ];
      if (ok === 1) {
        this.head = newHead;
        if (length > this.maxLength) await this.trim(length - this.maxLength);
        return linked.map(({ event }, i) => ({ ...event, id: (result as string[])[i] }) as unknown as AuditEvent);
      }
      // Another Drover process appended first: link again after its events.
      this.head = (result as string) || undefined;
    }
    throw new Error('audit log: could not append after 50 attempts (heavy contention)');
  }

  /** Events in order, oldest first. */
  async read(options: AuditReadOptions = {}): Promise<AuditEvent[]> {
    const start = options.after ? `(${options.after}` : '-';
    const entries = options.count
      ? await this.redis.xrange(this.key, start, '+', 'COUNT', options.count)
      : await this.redis.xrange(this.key, start, '+');
    return entries.map(([id, fields]) => ({ ...(JSON.parse(fields[1] ?? '{}') as AuditEvent), id }));
  }

  /** Events about one run, oldest first (reads the whole log: for tests and small logs). */
  async forRun(runId: string): Promise<AuditEvent[]> {
    return (await this.read()).filter((e) => 'runId' in e && e.runId === runId);
  }

  /**
   * Removes the oldest `count` events (at most 1000 at a time) and anchors
   * the chain, signed, on the last of them; how many went.
   */
  private async trim(count: number, before = '+'): Promise<number> {
    const old = await this.redis.xrange(this.key, '-', before, 'COUNT', Math.min(count, 1000));
    const [id, fields] = old[old.length - 1] ?? [];
    if (!id || !fields) return 0;
    const last = JSON.parse(fields[1] ?? '{}') as ChainAnchor;
    const anchor = JSON.stringify(seal('anchor', { seq: last.seq, hash: last.hash }, this.auditKey));
    await TRIM.run(this.redis, [this.key, this.anchorKey], [id, anchor]);
    return old.length;
  }

  /**
   * Retention by age: removes events older than `maxAgeMs`, oldest first, and
   * re-anchors the chain so that what remains still verifies. Returns how many
   * were removed.
   */
  async prune(maxAgeMs: number): Promise<number> {
    const cutoff = this.now().getTime() - maxAgeMs;
    if (cutoff <= 0) return 0;
    let removed = 0;
    for (;;) {
      const n = await this.trim(1000, String(cutoff - 1));
      removed += n;
      if (n < 1000) return removed;
    }
  }

  /** Where the remaining chain starts (after events removed by retention). */
  async anchor(): Promise<ChainAnchor> {
    const anchor = parseAnchor(await this.redis.get(this.anchorKey));
    return anchor ? { seq: anchor.seq, hash: anchor.hash } : GENESIS;
  }

  /**
   * Checks the stored log: every event's hash (HMAC when keyed) and link from
   * the anchor, that the chain reaches the head Drover keeps, the signatures of
   * head and anchor, and, given the latest checkpoint kept outside Redis, that
   * the events it covers are still there unchanged. Names the first problem.
   */
  async verify(options: { checkpoint?: Checkpoint | undefined; acceptUnkeyedThrough?: number | undefined } = {}): Promise<LogVerification> {
    // One page at a time: the default maxLength (a million events) would be gigabytes of heap at once.
    return verifyStoredLog(
      { redis: this.redis, keys: { stream: this.key, head: this.headKey, anchor: this.anchorKey } },
      { key: this.auditKey, acceptUnkeyedThrough: options.acceptUnkeyedThrough ?? this.acceptUnkeyedThrough, checkpoint: options.checkpoint },
    );
  }

}
