import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuditEventBody } from '../audit/events.js';
import { proposalExpiryKey } from '../jobs/run-store.js';
import { runWakeKey } from '../jobs/run-wake.js';
import { withLock } from '../redis-lock.js';
import { clusterOfRunId, FLEET_CLUSTER_NAME, fleetNotifyChannel, roomPrefix } from './names.js';
import type { FleetRegistry } from './registry.js';

/** What an agent may say about its own runs; anything else from its stream is refused (and audited as refused). */
const AGENT_EVENTS: ReadonlySet<string> = new Set([
  'run.started',
  'run.waiting',
  'run.step.started',
  'run.step.finished',
  'k8s.mutation',
  'prometheus.query',
  'http.request',
  'run.retrying',
  'run.finished',
  'run.refused',
  'approval.requested',
  'approval.voided',
]);

/**
 * The largest event (its JSON) an agent may have appended to the chain. Its
 * events are small (the largest, k8s.mutation, names an object); a bigger one
 * is refused, so one agent cannot grow the central log (which every
 * verification reads) by megabytes an event.
 */
export const MAX_AGENT_EVENT_CHARS = 64 * 1024;

const OVERSIZED = `an event of more than ${MAX_AGENT_EVENT_CHARS} characters`;

/** Entries of an agent's outbox read at once (its agent's requests in flight: a handful). */
const OUTBOX_READ = 5000;

/** Default of FleetRelayDeps.eventsPerMinute: a busy agent writes a few hundred (a run, a dozen or two). */
const EVENTS_PER_MINUTE = 6000;

/** Refusals of one batch recorded one by one; the last of them counts the rest. */
const REFUSALS_KEPT = 10;

/**
 * The events of a batch to append (undefined: left out): every accepted one,
 * and the first REFUSALS_KEPT refusals, the last saying how many more there
 * were. An agent writing garbage by the million must not fill the central
 * log with records of its refusal (the log keeps a bounded number of events:
 * they would push everyone's history out).
 */
export function fewRefusals(bodies: AuditEventBody[]): Array<AuditEventBody | undefined> {
  const total = bodies.filter((b) => b.type === 'fleet.event.refused').length;
  let seen = 0;
  return bodies.map((body) => {
    if (body.type !== 'fleet.event.refused') return body;
    seen += 1;
    if (seen > REFUSALS_KEPT) return undefined;
    return seen === REFUSALS_KEPT && total > REFUSALS_KEPT ? { ...body, reason: `${body.reason} (and ${total - REFUSALS_KEPT} more of its events refused in this batch, not recorded one by one)` } : body;
  });
}

/** Rounds of `batch` events one cluster gets before the others waiting have their turn. */
const ROUNDS_PER_TURN = 10;

/** Clusters waiting for the relay: names beyond this many are left to the sweep (a flood of notifications). */
const MAX_PENDING = 10_000;

/** The chain's own fields in an agent's stream: the central chain links the event again. */
const CHAIN_FIELDS = ['v', 'time', 'seq', 'prev', 'kid', 'hash', 'id'];

export interface FleetRelayDeps {
  redis: Redis;
  prefix: string;
  audit: AuditLog;
  registry: FleetRegistry;
  logger: Logger;
  /** How often every agent cluster's stream is looked at, in case a notification was missed. */
  sweepMs?: number;
  /** Events moved per round trip. */
  batch?: number;
  /**
   * Events of one cluster appended per minute at most; the rest waits in its
   * stream. The central log keeps a bounded number of events: an agent
   * writing well-formed events about its own runs by the million would
   * otherwise push everyone's history out of it within minutes.
   */
  eventsPerMinute?: number;
  /** How old an agent's outbox entry must be before the central side appends it for the agent (a request may still be in flight). */
  settleMs?: number;
  now?: () => Date;
}

/**
 * Fields readers of the chain use as what their type says (`drover audit`
 * slices a hash, counts changes): an event appended without them would break
 * every later reading of the log, which keeps it for good.
 */
const SHAPES: Record<string, Record<string, 'string' | 'array' | 'object'>> = {
  'approval.requested': { planHash: 'string', expiresAt: 'string', changes: 'array', actor: 'object' },
  'approval.voided': { approvedHash: 'string', currentHash: 'string', changes: 'array' },
  'run.finished': { outcome: 'string' },
  'run.refused': { actor: 'object' },
};

function shapeOf(value: unknown): string {
  return Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
}

/** Why an agent's event is refused, or undefined when it is about this cluster's own runs. */
export function refusal(cluster: string, event: Record<string, unknown>): string | undefined {
  const type = typeof event.type === 'string' ? event.type : '';
  if (!AGENT_EVENTS.has(type)) return `an agent may not record "${type || 'untyped'}" events`;
  if (typeof event.runId !== 'string' || clusterOfRunId(event.runId) !== cluster) return `run ${String(event.runId)} is not a run of cluster ${cluster}`;
  if ('cluster' in event && event.cluster !== cluster) return `the event names cluster ${String(event.cluster)}`;
  for (const [field, shape] of Object.entries(SHAPES[type] ?? {})) {
    if (shapeOf(event[field]) !== shape) return `its ${field} is not a${shape === 'object' || shape === 'array' ? 'n' : ''} ${shape}`;
  }
  return undefined;
}

/**
 * Moves agents' audit events into the installation's one hash-chained log. An
 * agent cannot read that log nor hold its key, so it writes to its cluster's
 * own stream and publishes its cluster's name; the relay (in every serving
 * process, one at a time per cluster) checks each event is about that
 * cluster's runs, then, in one atomic step, moves the batch into the central
 * audit outbox and deletes it from the agent's stream, and appends it (the
 * append lets go of the outbox entries). A relay dying in between leaves the
 * events to the outbox drain: each is appended once.
 */
export class FleetRelay {
  private subscriber: Redis | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<string>();
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly now: () => Date;

  constructor(private readonly deps: FleetRelayDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async start(): Promise<void> {
    this.stopped = false;
    const subscriber = this.deps.redis.duplicate({ enableAutoPipelining: false });
    subscriber.on('error', () => undefined);
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, cluster: string) => this.wake(cluster));
    await subscriber.subscribe(fleetNotifyChannel(this.deps.prefix));
    this.sweepTimer = setInterval(() => void this.sweep().catch((err: unknown) => this.deps.logger.warn({ err }, 'fleet relay sweep failed')), this.deps.sweepMs ?? 30_000);
    this.sweepTimer.unref();
    void this.sweep().catch((err: unknown) => this.deps.logger.warn({ err }, 'fleet relay sweep failed'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
    this.subscriber = undefined;
    await this.running?.catch(() => undefined);
  }

  /**
   * Every agent cluster whose stream holds events (one pipelined XLEN per
   * cluster), and the events its agents left in its outbox when they died:
   * a cluster whose agent never comes back still has them reach the chain.
   */
  async sweep(): Promise<void> {
    const names = [...(await this.deps.registry.all()).keys()];
    for (let i = 0; i < names.length; i += 500) {
      const chunk = names.slice(i, i + 500);
      const pipeline = this.deps.redis.pipeline();
      for (const name of chunk) pipeline.xlen(this.streamKey(name)).hlen(this.outboxKey(name));
      const lengths = (await pipeline.exec()) ?? [];
      for (const [j, name] of chunk.entries()) {
        if (Number(lengths[2 * j]?.[1] ?? 0) > 0) this.wake(name);
        if (Number(lengths[2 * j + 1]?.[1] ?? 0) > 0) await this.drainOutbox(name).catch((err: unknown) => this.deps.logger.warn({ err, cluster: name }, 'fleet relay: outbox drain failed'));
      }
    }
  }

  private outboxKey(cluster: string): string {
    return `${roomPrefix(this.deps.prefix, cluster)}:audit:outbox`;
  }

  /**
   * Moves an agent cluster's outbox entries older than `settleMs` (their agent
   * died between the change and its audit append; a request still in flight
   * is younger) into the central outbox, then appends them: the same step as
   * the agent's own drain, from the central side.
   */
  async drainOutbox(cluster: string): Promise<number> {
    const { redis, audit } = this.deps;
    const settleMs = this.deps.settleMs ?? 120_000;
    // The agent's own drain takes the same lock: an entry is appended by one of them.
    const moved = await withLock(redis, `${this.outboxKey(cluster)}:lock`, 30_000, async () => {
      const before = this.now().getTime() - settleMs;
      // At most OUTBOX_READ entries a look (all of them but in a flood: the agent writes this hash).
      const flat = (await redis.hrandfield(this.outboxKey(cluster), OUTBOX_READ, 'WITHVALUES')) as string[];
      const held = Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i] as string, flat[2 * i + 1] as string] as const)
        .map(([field, raw]) => {
          try {
            if (raw.length > MAX_AGENT_EVENT_CHARS + 100) return { field, t: 0, e: {}, oversized: true };
            return { field, ...(JSON.parse(raw) as { t: number; e: Record<string, unknown> }) };
          } catch {
            return { field, t: 0, e: {} };
          }
        })
        .filter((entry) => entry.t < before)
        .sort((a, b) => a.t - b.t)
        .slice(0, this.deps.batch ?? 500);
      if (!held.length) return 0;
      const kept = fewRefusals(held.map((entry) => this.checked(cluster, { ...entry.e }, 'oversized' in entry ? OVERSIZED : undefined)));
      const bodies = kept.filter((body): body is AuditEventBody => body !== undefined);
      const fields = held.flatMap((entry, i) => (kept[i] ? [`fleet ${cluster} outbox ${entry.field}`] : []));
      const tx = redis.multi();
      const at = this.now().getTime();
      bodies.forEach((body, i) => tx.hset(audit.outbox.key, fields[i] as string, JSON.stringify({ t: at, e: body })));
      tx.hdel(this.outboxKey(cluster), ...held.map((entry) => entry.field));
      await tx.exec();
      await audit.appendMany(bodies, { release: fields });
      await this.effects(bodies);
      return held.length;
    });
    return moved ?? 0;
  }

  private streamKey(cluster: string): string {
    return `${roomPrefix(this.deps.prefix, cluster)}:audit`;
  }

  /**
   * A name on the channel is only a hint (any agent may publish anything
   * there): one that is not a cluster name, or beyond what may wait, is
   * dropped (the sweep finds its events); a cluster not registered is ignored.
   */
  private wake(cluster: string): void {
    if (this.stopped || !FLEET_CLUSTER_NAME.test(cluster) || (this.pending.size >= MAX_PENDING && !this.pending.has(cluster))) return;
    this.pending.add(cluster);
    this.running ??= this.drainPending().finally(() => {
      this.running = undefined;
    });
  }

  private async drainPending(): Promise<void> {
    while (this.pending.size && !this.stopped) {
      const [cluster] = this.pending;
      this.pending.delete(cluster as string);
      try {
        if (await this.deps.registry.has(cluster as string)) await this.relay(cluster as string);
      } catch (err) {
        this.deps.logger.warn({ err, cluster }, 'fleet relay failed; the next notification or sweep retries');
      }
    }
  }

  /**
   * Moves one cluster's stream now, a turn's worth (`ROUNDS_PER_TURN` batches);
   * how many events. A cluster with more left waits behind the others pending,
   * so one agent's flood delays only its own events.
   */
  async relay(cluster: string): Promise<number> {
    const { redis, prefix } = this.deps;
    const batch = this.deps.batch ?? 500;
    let more = false;
    // Not under <prefix>:fleet:<name>:*, which a cluster named "relay-lock" would have its agent own.
    const moved = await withLock(redis, `${prefix}:fleet-relay-lock:${cluster}`, 60_000, async () => {
      let total = 0;
      for (let round = 0; round < ROUNDS_PER_TURN && !this.stopped; round++) {
        const left = await this.budgetLeft(cluster);
        if (left <= 0) {
          // Left in its stream (its agent's memory) until the next minute's sweep: the chain is not pushed.
          this.deps.logger.warn({ cluster, perMinute: this.deps.eventsPerMinute ?? EVENTS_PER_MINUTE }, 'fleet relay: the cluster is over its audit event budget; the rest waits');
          more = false;
          return total;
        }
        const entries = await redis.xrange(this.streamKey(cluster), '-', '+', 'COUNT', Math.min(batch, left));
        if (!entries.length) return total;
        await redis.incrby(this.budgetKey(cluster), entries.length);
        total += await this.move(cluster, entries);
        more = entries.length === Math.min(batch, left);
      }
      return total;
    });
    if (more) this.wake(cluster);
    return moved ?? 0;
  }

  /** This minute's counter of a cluster's relayed events (central: no agent's ACL reaches it). */
  private budgetKey(cluster: string): string {
    return `${this.deps.prefix}:fleet-relay-budget:${cluster}:${Math.floor(this.now().getTime() / 60_000)}`;
  }

  /** Events a cluster may still have relayed this minute. */
  private async budgetLeft(cluster: string): Promise<number> {
    const key = this.budgetKey(cluster);
    const [[, used] = [null, 0]] = ((await this.deps.redis.multi().incrby(key, 0).pexpire(key, 120_000).exec()) ?? []) as Array<[Error | null, unknown]>;
    return (this.deps.eventsPerMinute ?? EVENTS_PER_MINUTE) - Number(used);
  }

  private async move(cluster: string, entries: Array<[string, string[]]>): Promise<number> {
    const { redis, audit } = this.deps;
    const bodies: AuditEventBody[] = [];
    const fields: string[] = [];
    const tx = redis.multi();
    const at = this.now().getTime();
    const kept = fewRefusals(entries.map(([, raw]) => this.bodyOf(cluster, raw)));
    entries.forEach(([entryId], i) => {
      const body = kept[i];
      if (!body) return;
      const field = `fleet ${cluster} ${entryId}`;
      tx.hset(audit.outbox.key, field, JSON.stringify({ t: at, e: body }));
      bodies.push(body);
      fields.push(field);
    });
    tx.xdel(this.streamKey(cluster), ...entries.map(([entryId]) => entryId));
    await tx.exec();
    await audit.appendMany(bodies, { release: fields });
    await this.effects(bodies);
    return entries.length;
  }

  /** The event to append: the agent's, without its chain fields, or a record of its refusal. */
  private bodyOf(cluster: string, raw: string[]): AuditEventBody {
    let event: Record<string, unknown> = {};
    try {
      const json = raw[raw.indexOf('e') + 1] ?? raw[1] ?? '{}';
      if (json.length > MAX_AGENT_EVENT_CHARS) return this.checked(cluster, {}, OVERSIZED);
      const parsed = JSON.parse(json) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) event = parsed as Record<string, unknown>;
    } catch {
      // An unreadable entry is refused below like any other.
    }
    return this.checked(cluster, event);
  }

  /** An agent's event as the chain takes it (its own chain fields dropped), or the record of its refusal. */
  private checked(cluster: string, event: Record<string, unknown>, refused?: string): AuditEventBody {
    for (const field of CHAIN_FIELDS) delete event[field];
    const why = refused ?? refusal(cluster, event);
    if (!why) return event as unknown as AuditEventBody;
    this.deps.logger.warn({ cluster, type: event.type, reason: why }, 'fleet relay refused an agent event');
    return { type: 'fleet.event.refused', cluster, eventType: typeof event.type === 'string' ? event.type.slice(0, 64) : 'untyped', reason: why.slice(0, 300) };
  }

  /** What the central Drover does on an agent's behalf: wake those waiting on an ended run, clock a proposal. */
  private async effects(bodies: AuditEventBody[]): Promise<void> {
    const { redis, prefix } = this.deps;
    const tx = redis.multi();
    let any = false;
    for (const body of bodies) {
      if (body.type === 'run.finished') {
        // (Counted in drover_runs_total by the agent that ran it, on its own /metrics.)
        tx.zadd(runWakeKey(prefix), 'XX', this.now().getTime(), body.runId);
        any = true;
      }
      if (body.type === 'approval.requested') {
        const expires = Date.parse(body.expiresAt);
        if (Number.isFinite(expires)) {
          tx.zadd(proposalExpiryKey(prefix), expires, `${prefix}:run:${body.runId}`);
          any = true;
        }
      }
    }
    if (any) await tx.exec();
  }
}
