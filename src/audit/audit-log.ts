import type { Redis } from 'ioredis';
import { RedisScript } from '../redis-script.js';
import { defaultRedactor, type Redactor } from '../redact/redactor.js';
import { AuditOutbox } from './audit-outbox.js';
import { GENESIS, linkEncoded, verifyChain, type ChainAnchor, type VerifyResult } from './chain.js';
import type { AuditEvent, AuditEventBody } from './events.js';

// Appends a batch of already-linked events if the chain's head is still the one
// they were linked to; otherwise answers the current head so the caller relinks.
// Beyond maxLength, the oldest events are removed (a few at a time) and the
// anchor records the last removed one, so what remains still verifies.
const APPEND = new RedisScript(`
local head = redis.call('GET', KEYS[2]) or ''
if head ~= ARGV[1] then return {0, head} end
local ids = {}
for i = 4, #ARGV do ids[#ids + 1] = redis.call('XADD', KEYS[1], '*', 'e', ARGV[i]) end
redis.call('SET', KEYS[2], ARGV[2])
local excess = redis.call('XLEN', KEYS[1]) - tonumber(ARGV[3])
if excess > 0 then
  local old = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', math.min(excess, 1000))
  local last = cjson.decode(old[#old][2][2])
  redis.call('SET', KEYS[3], cjson.encode({seq = last.seq, hash = last.hash}))
  for _, entry in ipairs(old) do redis.call('XDEL', KEYS[1], entry[1]) end
end
return {1, ids}
`);

// Removes events recorded before a time (stream ids are Redis's clock in ms),
// a bounded number per call, and re-anchors the chain on the last removed one.
const PRUNE = new RedisScript(`
local old = redis.call('XRANGE', KEYS[1], '-', ARGV[1], 'COUNT', tonumber(ARGV[2]))
if #old == 0 then return 0 end
local last = cjson.decode(old[#old][2][2])
redis.call('SET', KEYS[2], cjson.encode({seq = last.seq, hash = last.hash}))
for _, entry in ipairs(old) do redis.call('XDEL', KEYS[1], entry[1]) end
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
}

interface Pending {
  body: AuditEventBody;
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
  private readonly headKey: string;
  private readonly anchorKey: string;
  private readonly redis: Redis;
  private readonly maxLength: number;
  private readonly now: () => Date;
  private readonly mirror: ((event: AuditEvent) => void) | undefined;
  private readonly redactor: Redactor;
  /** Events written with the change they record, until they are appended here. */
  readonly outbox: AuditOutbox;
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
    this.outbox = new AuditOutbox(options.redis, options.prefix, this);
  }

  append(body: AuditEventBody): Promise<AuditEvent> {
    return this.push(body, true);
  }

  private push(body: AuditEventBody, ends: boolean): Promise<AuditEvent> {
    return new Promise((resolve, reject) => {
      this.pending.push({ body: this.redactor.value(body), time: this.now().toISOString(), ends, resolve, reject });
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
  appendMany(bodies: AuditEventBody[]): Promise<AuditEvent[]> {
    return Promise.all(bodies.map((body, i) => this.push(body, i === bodies.length - 1)));
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
      const head: ChainAnchor = headJson ? (JSON.parse(headJson) as ChainAnchor) : GENESIS;
      const linked = linkEncoded(
        batch.map((p) => ({ v: 1, time: p.time, ...p.body })),
        head,
      );
      const last = linked[linked.length - 1]?.event as { seq: number; hash: string };
      const newHead = JSON.stringify({ seq: last.seq, hash: last.hash });
      const [ok, result] = (await APPEND.run(
        this.redis,
        [this.key, this.headKey, this.anchorKey],
        [headJson, newHead, this.maxLength, ...linked.map((e) => e.json)],
      )) as [number, string[] | string];
      if (ok === 1) {
        this.head = newHead;
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
   * Retention by age: removes events older than `maxAgeMs`, oldest first, and
   * re-anchors the chain so that what remains still verifies. Returns how many
   * were removed.
   */
  async prune(maxAgeMs: number): Promise<number> {
    const cutoff = this.now().getTime() - maxAgeMs;
    if (cutoff <= 0) return 0;
    let removed = 0;
    for (;;) {
      const n = (await PRUNE.run(this.redis, [this.key, this.anchorKey], [String(cutoff - 1), 1000])) as number;
      removed += n;
      if (n < 1000) return removed;
    }
  }

  /** Where the remaining chain starts (after events removed by retention). */
  async anchor(): Promise<ChainAnchor> {
    const raw = await this.redis.get(this.anchorKey);
    return raw ? (JSON.parse(raw) as ChainAnchor) : GENESIS;
  }

  /** Checks the whole stored chain from its anchor; names the first event that breaks it. */
  async verify(): Promise<VerifyResult> {
    const events: Array<Record<string, unknown> & { id?: string }> = [];
    let after = '-';
    for (;;) {
      const page = await this.redis.xrange(this.key, after === '-' ? '-' : `(${after}`, '+', 'COUNT', 5000);
      for (const [id, fields] of page) {
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(fields[1] ?? '') as Record<string, unknown>;
        } catch {
          parsed = {};
        }
        events.push({ ...parsed, id });
      }
      if (page.length < 5000) break;
      after = page[page.length - 1]?.[0] ?? after;
    }
    return verifyChain(events, await this.anchor());
  }
}
