import type { Redis } from 'ioredis';
import { BEGIN_STEP, CREATE_MANY, END_STEP, LOAD, START, TRANSITION } from './run-scripts.js';
import { defaultRedactor, type Redactor } from '../redact/redactor.js';
import { auditOutboxKey, type OutboxEntry } from '../audit/audit-outbox.js';
import type { PlannedChange } from '../k8s/types.js';
import type { Requester } from '../runbook/types.js';
import { runWakeKey } from './run-wake.js';
import { clusterOfRunId, fleetCancelChannel } from '../fleet/names.js';
import { deserialise, JSON_FIELDS } from './run-deserialise.js';
import { isHeld, isTerminal, type RunEvent, type RunRecord, type RunState, type StoredRunEvent } from './run-record.js';

/** Sorted set of proposals awaiting approval (run keys, scored by expiry in ms). */
export const proposalExpiryKey = (prefix: string): string => `${prefix}:approvals:expiry`;

/** A run's keys besides its record, in the order TRANSITION takes them. */
const RUN_PARTS = ['events', 'steps', 'changes', 'plan', 'secrets', 'gitops'] as const;

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
  /**
   * An agent's store: its runs' keys stay where they are (`<prefix>:run:<id>`),
   * but the audit outbox, the wake set and the cancel channel it uses are its
   * cluster's own (the central ones are out of its ACL user's reach).
   */
  room?: { outboxKey: string; wakeKey: string; cancelChannel: string };
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
  private readonly outboxKey: string;
  private readonly wakeKey: string;
  /** Channel on which cancellations are announced to workers (the flag in the run stays authoritative). */
  readonly cancelChannel: string;

  constructor(options: RunStoreOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix;
    this.now = options.now ?? (() => new Date());
    this.redactor = options.redactor ?? defaultRedactor;
    this.outboxKey = options.room?.outboxKey ?? auditOutboxKey(this.prefix);
    this.wakeKey = options.room?.wakeKey ?? runWakeKey(this.prefix);
    this.cancelChannel = options.room?.cancelChannel ?? `${this.prefix}:cancel`;
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
      // An agent cluster's run key its agent made into another type: that run reads as missing, the others still read.
      if (err?.message.startsWith('WRONGTYPE')) return undefined;
      if (err) throw err;
      return (hash as Record<string, string>).state ? deserialise(ids[i] as string, hash as Record<string, string>) : undefined;
    });
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const hash = await this.redis.hgetall(this.key(id));
    return hash.state ? deserialise(id, hash) : undefined;
  }

  /**
   * Moves a run from one of `from` to `to`, with `fields`, and tells its
   * followers. An `audited` entry (the audit event of this change) is left in
   * the audit outbox in the same atomic step; the caller delivers it. With
   * `retentionMs` (a run that ends), its keys expire after that long and its
   * secrets go, in the same step too. Undefined when done, else the state
   * that refused (or 'missing').
   */
  async transition(
    id: string,
    from: readonly RunState[],
    to: RunState,
    fields: Partial<RunRecord> = {},
    audited?: OutboxEntry,
    retentionMs?: number,
  ): Promise<RunState | 'missing' | undefined> {
    const shown = this.shown(fields);
    const flat = Object.entries(serialise(shown)).flat();
    const outbox = audited ? [audited.field, JSON.stringify({ t: this.now().getTime(), e: audited.event })] : ['', ''];
    const wake = isTerminal(to) ? String(this.now().getTime()) : '';
    const event = this.eventJson({ type: 'state', state: to, ...(shown.error ? { message: shown.error.message } : {}) });
    const keys = [this.key(id), this.outboxKey, this.wakeKey, ...RUN_PARTS.map((part) => this.key(id, part))];
    const answer = (await TRANSITION.run(this.redis, keys, [from.join(','), to, ...outbox, wake, id, event, retentionMs ?? '', ...flat])) as string;
    if (answer === 'OK') return undefined;
    return answer === '!missing' ? 'missing' : (answer as RunState);
  }

  /**
   * A run and its secret params, in one round trip (what a worker reads
   * before an attempt); undefined for an unknown run.
   */
  async load(id: string): Promise<{ run: RunRecord; secrets: Record<string, unknown> } | undefined> {
    const [flat, raw] = (await LOAD.run(this.redis, [this.key(id), this.key(id, 'secrets')], [])) as [string[], string | null];
    const hash: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i] as string] = flat[i + 1] as string;
    if (!hash.state) return undefined;
    return { run: deserialise(id, hash), secrets: raw ? (JSON.parse(raw) as Record<string, unknown>) : {} };
  }

  /** Where a change to a git-owned object stands (GitOps flow), by the change's key; undefined before it began. */
  async gitopsProgress(id: string, change: string): Promise<Record<string, unknown> | undefined> {
    const raw = await this.redis.hget(this.key(id, 'gitops'), change);
    if (!raw) return undefined;
    try {
      const value = JSON.parse(raw) as unknown;
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  async setGitopsProgress(id: string, change: string, progress: Record<string, unknown>): Promise<void> {
    await this.redis.hset(this.key(id, 'gitops'), change, JSON.stringify(progress));
  }

  /**
   * Parks a running run until `until` (RunParked): answers the reason it
   * was parked for before, so a wait that goes on is told once.
   */
  async park(id: string, until: Date, reason: string): Promise<string | undefined> {
    const [[, previous]] = (await this.redis
      .multi()
      .hget(this.key(id), 'parkedReason')
      .hset(this.key(id), 'parkedUntil', until.toISOString(), 'parkedReason', reason)
      .exec()) as [[Error | null, string | null]];
    return previous ?? undefined;
  }

  /**
   * Starts an attempt in one atomic step: counts it and, if the run is in one
   * of `from`, moves it to running with `fields`. The attempt's number, and
   * the state that refused the move (or 'missing') if it did.
   */
  async start(id: string, from: readonly RunState[], fields: Partial<RunRecord>): Promise<{ attempt: number; refused?: RunState | 'missing' }> {
    const flat = Object.entries(serialise(this.shown(fields))).flat();
    const event = this.eventJson({ type: 'state', state: 'running' });
    const [attempt, answer] = (await START.run(this.redis, [this.key(id), this.key(id, 'events')], [from.join(','), event, ...flat])) as [number, string];
    if (answer === 'OK') return { attempt };
    return { attempt, refused: answer === '!missing' ? 'missing' : (answer as RunState) };
  }

  /**
   * Before a step, in one round trip: a cancellation someone requested, else
   * the step's checkpoint (the step is replayed), else, with `skip`, the step
   * skipped (a dry run), else the step started (how many times it has, and
   * when it first did). Each outcome's event goes to followers in the same step.
   */
  async beginStep(
    id: string,
    step: string,
    skip: boolean,
  ): Promise<
    | { kind: 'cancel'; by: Requester }
    | { kind: 'done'; checkpoint: StepCheckpoint }
    | { kind: 'skipped' }
    | { kind: 'started'; execution: number; firstStartedAt: string }
  > {
    const keys = [this.key(id), this.key(id, 'steps'), this.key(id, 'events')];
    const reply = (await BEGIN_STEP.run(this.redis, keys, [step, this.redactor.text(step), this.now().toISOString(), skip ? '1' : '0'])) as [
      string,
      ...Array<string | number>,
    ];
    switch (reply[0]) {
      case 'cancel':
        return { kind: 'cancel', by: JSON.parse(String(reply[1])) as Requester };
      case 'done':
        return { kind: 'done', checkpoint: JSON.parse(String(reply[1])) as StepCheckpoint };
      case 'skipped':
        return { kind: 'skipped' };
      default:
        return { kind: 'started', execution: Number(reply[1]), firstStartedAt: String(reply[2]) };
    }
  }

  /** After a step succeeded: its checkpoint, then its event, in one step. */
  async endStep(id: string, step: string, value: unknown, event: RunEvent): Promise<void> {
    const checkpoint: StepCheckpoint = { value, finishedAt: this.now().toISOString() };
    await END_STEP.run(this.redis, [this.key(id, 'steps'), this.key(id, 'events')], [step, JSON.stringify(checkpoint), this.eventJson(event)]);
  }

  /** A follower's event as stored: redacted, with its time. */
  private eventJson(event: RunEvent): string {
    return JSON.stringify({ ...this.redactor.value(event), time: this.now().toISOString() });
  }

  async requestCancel(id: string, by: Requester): Promise<void> {
    const tx = this.redis.multi().hset(this.key(id), 'cancelRequestedBy', JSON.stringify(by)).publish(this.cancelChannel, id);
    // An agent cluster's run: its agent listens on its cluster's own channel only.
    const cluster = clusterOfRunId(id);
    if (cluster) tx.publish(fleetCancelChannel(this.prefix, cluster), id);
    await tx.exec();
  }

  async cancelRequested(id: string): Promise<Requester | undefined> {
    const raw = await this.redis.hget(this.key(id), 'cancelRequestedBy');
    return raw ? (JSON.parse(raw) as Requester) : undefined;
  }

  async emit(id: string, event: RunEvent): Promise<void> {
    await this.redis.xadd(this.key(id, 'events'), 'MAXLEN', '~', '10000', '*', 'e', this.eventJson(event));
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
