import type { Redis } from 'ioredis';
import { RedisScript } from '../redis-script.js';
import { defaultRedactor, type Redactor } from '../redact/redactor.js';
import { auditOutboxKey, type OutboxEntry } from '../audit/audit-outbox.js';
import type { PlannedChange } from '../k8s/types.js';
import type { Requester } from '../runbook/types.js';
import { runWakeKey } from './run-wake.js';
import { isHeld, isTerminal, type RunEvent, type RunRecord, type RunState, type StoredRunEvent } from './run-record.js';

// Moves a run from one of the allowed states to another, atomically, and sets fields.
const TRANSITION = new RedisScript(`
local current = redis.call('HGET', KEYS[1], 'state')
if not current then return '!missing' end
local allowed = false
for state in string.gmatch(ARGV[1], '[^,]+') do
  if state == current then allowed = true end
end
if not allowed then return current end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
-- The audit event of this change, in the audit outbox (KEYS[2]) in the same step.
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], ARGV[3], ARGV[4]) end
for i = 7, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
-- A run that ends wakes whatever waits on it (KEYS[3]; only runs listed there).
if ARGV[5] ~= '' then redis.call('ZADD', KEYS[3], 'XX', ARGV[5], ARGV[6]) end
return 'OK'
`);


// CREATE for many runs in one atomic step, each with its secrets (saved only
// with a new record). KEYS: the two indexes; ARGV: secrets TTL, key prefix,
// then the runs as one JSON array of [id, score, runbook, event, secrets ('' for none), fields].
// One argument instead of thousands keeps a storm's batch cheap to send.
const CREATE_MANY = new RedisScript(`
local out = {}
for i, run in ipairs(cjson.decode(ARGV[3])) do
  local id, key = run[1], ARGV[2] .. run[1]
  if redis.call('HSETNX', key, 'id', id) == 1 then
    if run[5] ~= '' then redis.call('SET', key .. ':secrets', run[5], 'PX', ARGV[1]) end
    redis.call('HSET', key, unpack(run[6]))
    redis.call('ZADD', KEYS[1], run[2], id)
    redis.call('ZADD', KEYS[2] .. run[3], run[2], id)
    redis.call('XADD', key .. ':events', 'MAXLEN', '~', '10000', '*', 'e', run[4])
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
`);


/** Sorted set of proposals awaiting approval (run keys, scored by expiry in ms). */
export const proposalExpiryKey = (prefix: string): string => `${prefix}:approvals:expiry`;

const JSON_FIELDS = ['params', 'requester', 'error', 'result', 'cancelRequestedBy', 'approval'] as const;

export interface StepCheckpoint {
  value: unknown;
  finishedAt: string;
}

export interface RunStoreOptions {
  redis: Redis;
  prefix: string;
  now?: () => Date;
  /** Applied to everything people can read: events, errors, results. */
  redactor?: Redactor;
}

/**
 * Runs, their followers' event streams, step checkpoints and planned changes,
 * in Redis. All state transitions are compare-and-set so that a late worker
 * can never overwrite a cancellation, and the reverse.
 */
export class RunStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly now: () => Date;
  private readonly redactor: Redactor;

  constructor(options: RunStoreOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix;
    this.now = options.now ?? (() => new Date());
    this.redactor = options.redactor ?? defaultRedactor;
  }

  async secrets(id: string): Promise<Record<string, unknown>> {
    const raw = await this.redis.get(this.key(id, 'secrets'));
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  }

  /** Error and result are shown to people: redacted like everything else. */
  private shown(fields: Partial<RunRecord>): Partial<RunRecord> {
    const out = { ...fields };
    if (out.error) out.error = this.redactor.value(out.error);
    if (out.result !== undefined) out.result = this.redactor.value(out.result);
    return out;
  }

  private key(id: string, part?: string): string {
    return part ? `${this.prefix}:run:${id}:${part}` : `${this.prefix}:run:${id}`;
  }

  /**
   * Stores new runs in one atomic step (one, or an alert storm's batch): each
   * record with its indexes, its first event and its secret params (kept
   * `secretsTtlMs`, saved only with a new record, so a redelivered request
   * never overwrites a run's secrets). Per run, whether it was created
   * (false: the id existed; nothing changed).
   */
  async createMany(runs: Array<{ record: RunRecord; secrets: Record<string, unknown> }>, secretsTtlMs: number): Promise<boolean[]> {
    if (!runs.length) return [];
    const time = this.now().toISOString();
    const batch = runs.map(({ record, secrets }) => [
      record.id,
      String(Date.parse(record.createdAt)),
      record.runbook,
      JSON.stringify({ type: 'state', state: record.state, time }),
      Object.keys(secrets).length ? JSON.stringify(secrets) : '',
      Object.entries(serialise(record)).flat(),
    ]);
    const created = (await CREATE_MANY.run(this.redis, [`${this.prefix}:runs`, `${this.prefix}:runs:`], [secretsTtlMs, this.key(''), JSON.stringify(batch)])) as number[];
    return created.map((n) => n === 1);
  }

  /** Several runs in one round trip, in the order asked (undefined for an unknown id). */
  async getMany(ids: string[]): Promise<Array<RunRecord | undefined>> {
    if (!ids.length) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.key(id));
    const replies = (await pipeline.exec()) ?? [];
    return ids.map((_, i) => {
      const [err, hash] = replies[i] ?? [new Error('no reply')];
      if (err) throw err;
      return (hash as Record<string, string>).state ? deserialise(hash as Record<string, string>) : undefined;
    });
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const hash = await this.redis.hgetall(this.key(id));
    return hash.state ? deserialise(hash) : undefined;
  }

  /**
   * Sets `to` if the run is in one of `from`. Returns the run's state before the
   * call when the move was refused, undefined when it happened.
   */
  /**
   * Moves a run from one of `from` to `to`, with `fields`. An `audited` entry
   * (the audit event of this change) is left in the audit outbox in the same
   * atomic step; the caller delivers it. Undefined when done, else the state
   * that refused (or 'missing').
   */
  async transition(id: string, from: readonly RunState[], to: RunState, fields: Partial<RunRecord> = {}, audited?: OutboxEntry): Promise<RunState | 'missing' | undefined> {
    const flat = Object.entries(serialise(this.shown(fields))).flat();
    const outbox = audited ? [audited.field, JSON.stringify({ t: this.now().getTime(), e: audited.event })] : ['', ''];
    const keys = [this.key(id), auditOutboxKey(this.prefix), runWakeKey(this.prefix)];
    const wake = isTerminal(to) ? String(this.now().getTime()) : '';
    const answer = (await TRANSITION.run(this.redis, keys, [from.join(','), to, ...outbox, wake, id, ...flat])) as string;
    if (answer === 'OK') {
      await this.emit(id, { type: 'state', state: to, ...(fields.error ? { message: fields.error.message } : {}) });
      return undefined;
    }
    return answer === '!missing' ? 'missing' : (answer as RunState);
  }

  async incrementAttempts(id: string): Promise<number> {
    return this.redis.hincrby(this.key(id), 'attempts', 1);
  }

  /** Channel on which cancellations are announced to workers (the flag in the run stays authoritative). */
  get cancelChannel(): string {
    return `${this.prefix}:cancel`;
  }

  async requestCancel(id: string, by: Requester): Promise<void> {
    await this.redis.multi().hset(this.key(id), 'cancelRequestedBy', JSON.stringify(by)).publish(this.cancelChannel, id).exec();
  }

  async cancelRequested(id: string): Promise<Requester | undefined> {
    const raw = await this.redis.hget(this.key(id), 'cancelRequestedBy');
    return raw ? (JSON.parse(raw) as Requester) : undefined;
  }

  async emit(id: string, event: RunEvent): Promise<void> {
    const shown = this.redactor.value(event);
    await this.redis.xadd(this.key(id, 'events'), 'MAXLEN', '~', '10000', '*', 'e', JSON.stringify({ ...shown, time: this.now().toISOString() }));
  }

  /**
   * Events after `after` (a stream id; `0` for all). With `blockMs`, waits that
   * long for new ones. Use a dedicated connection when blocking.
   */
  async events(id: string, after = '0', blockMs?: number, redis: Redis = this.redis): Promise<StoredRunEvent[]> {
    const reply = blockMs
      ? await redis.xread('COUNT', 500, 'BLOCK', blockMs, 'STREAMS', this.key(id, 'events'), after)
      : await redis.xread('COUNT', 500, 'STREAMS', this.key(id, 'events'), after);
    const entries = reply?.[0]?.[1] ?? [];
    return entries.map(([entryId, fields]) => ({ ...(JSON.parse(fields[1] ?? '{}') as RunEvent & { time: string }), id: entryId }));
  }

  async checkpoint(id: string, step: string): Promise<StepCheckpoint | undefined> {
    const raw = await this.redis.hget(this.key(id, 'steps'), `done:${step}`);
    return raw ? (JSON.parse(raw) as StepCheckpoint) : undefined;
  }

  async saveCheckpoint(id: string, step: string, value: unknown): Promise<void> {
    const checkpoint: StepCheckpoint = { value, finishedAt: this.now().toISOString() };
    await this.redis.hset(this.key(id, 'steps'), `done:${step}`, JSON.stringify(checkpoint));
  }

  /** Records that a step starts; tells how many times it has started and when it first did. */
  async markStepStarted(id: string, step: string): Promise<{ execution: number; firstStartedAt: string }> {
    const key = this.key(id, 'steps');
    const reply = await this.redis
      .multi()
      .hincrby(key, `exec:${step}`, 1)
      .hsetnx(key, `first:${step}`, this.now().toISOString())
      .hget(key, `first:${step}`)
      .exec();
    return { execution: Number(reply?.[0]?.[1] ?? 1), firstStartedAt: (reply?.[2]?.[1] as string | undefined) ?? this.now().toISOString() };
  }

  /** A value as people may see it (chat, terminal, status): through the one redaction layer. */
  redacted<T>(value: T): T {
    return this.redactor.value(value);
  }

  async addChange(id: string, change: PlannedChange): Promise<void> {
    await this.redis.rpush(this.key(id, 'changes'), JSON.stringify(this.redacted(change)));
    await this.emit(id, { type: 'change', change });
  }

  /** The changes a run made, as stored: redacted. */
  async changes(id: string): Promise<PlannedChange[]> {
    return (await this.redis.lrange(this.key(id, 'changes'), 0, -1)).map((c) => JSON.parse(c) as PlannedChange);
  }

  /** Most recent runs first, optionally of one runbook. */
  async recent(limit = 20, runbook?: string): Promise<RunRecord[]> {
    const ids = await this.redis.zrevrange(runbook ? `${this.prefix}:runs:${runbook}` : `${this.prefix}:runs`, 0, limit - 1);
    return (await this.getMany(ids)).filter((r): r is RunRecord => r !== undefined);
  }

  /** Lets a finished run's keys expire after the retention period. */
  async expire(id: string, retentionMs: number): Promise<void> {
    const tx = this.redis.multi();
    for (const part of [undefined, 'events', 'steps', 'changes', 'plan']) tx.pexpire(this.key(id, part), retentionMs);
    // Secrets are not needed once the run has ended.
    tx.del(this.key(id, 'secrets'));
    await tx.exec();
  }

  /** The dry-run plan a proposal was opened with (what its approvers see), as stored: redacted. */
  async plan(id: string): Promise<PlannedChange[]> {
    return (await this.redis.lrange(this.key(id, 'plan'), 0, -1)).map((c) => JSON.parse(c) as PlannedChange);
  }

  /** What to show of a run's effect: the plan while it is held for approval, else the changes it made. */
  async shownChanges(run: RunRecord): Promise<PlannedChange[]> {
    return isHeld(run.state) ? this.plan(run.id) : this.changes(run.id);
  }

  /** Drops a run from the index of proposals awaiting approval (it ended some other way). */
  async forgetProposal(id: string): Promise<void> {
    await this.redis.zrem(proposalExpiryKey(this.prefix), this.key(id));
  }

  /** True once any step of the run has completed (a verification dry run must not follow). */
  async hasCheckpoints(id: string): Promise<boolean> {
    return (await this.redis.exists(this.key(id, 'steps'))) === 1;
  }

  /** Drops index entries older than the retention period (their runs have expired). */
  async pruneIndex(retentionMs: number, runbook?: string): Promise<void> {
    const cutoff = this.now().getTime() - retentionMs;
    await this.redis.zremrangebyscore(runbook ? `${this.prefix}:runs:${runbook}` : `${this.prefix}:runs`, '-inf', cutoff);
  }

}

function serialise(fields: Partial<RunRecord>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    out[key] = typeof value === 'string' && !(JSON_FIELDS as readonly string[]).includes(key) ? value : JSON.stringify(value);
  }
  return out;
}

function deserialise(hash: Record<string, string>): RunRecord {
  const record: Record<string, unknown> = { ...hash };
  for (const key of JSON_FIELDS) if (hash[key] !== undefined) record[key] = JSON.parse(hash[key]);
  record.dryRun = hash.dryRun === 'true';
  // Lua's cjson writes an empty array as {}.
  const approval = record.approval as { approvers?: unknown } | undefined;
  if (approval && !Array.isArray(approval.approvers)) approval.approvers = [];
  record.attempts = Number(hash.attempts ?? 0);
  record.timeoutMs = Number(hash.timeoutMs ?? 0);
  return record as unknown as RunRecord;
}
