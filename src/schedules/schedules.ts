import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { asDroverError } from '../errors.js';
import { isTerminal, type RunRecord } from '../jobs/run-record.js';
import type { RunStore } from '../jobs/run-store.js';
import type { Policy } from '../policy/index.js';
import type { RunbookRegistry } from '../runbook/registry.js';
import { localTime, nextFire } from './cron.js';
import { ScheduleFire, type FireResult, type ScheduleFireDeps } from './schedule-fire.js';
import { ScheduleScheduler, type ReconcileResult, type ScheduleJobData } from './schedule-scheduler.js';
import { allSchedules, scheduleRequester, type ScheduleSpec } from './schedule-spec.js';
import type { LastFire } from './schedule-state.js';

/** Whether the policy lets a schedule run on a cluster, as checked at start-up and shown by `drover schedules`. */
export interface SchedulePolicyStatus {
  decision: 'allowed' | 'approval_required' | 'denied';
  reason: string;
}

/** One schedule on one cluster, for `drover schedules` and `/drover schedules`. */
export interface ScheduleClusterStatus {
  cluster: string;
  policy: SchedulePolicyStatus;
  lastFire?: LastFire;
  /** The last run it started, as it stands now (expired runs are gone). */
  lastRun?: Pick<RunRecord, 'id' | 'state' | 'createdAt'> & { finishedAt?: string };
}

export interface ScheduleStatus {
  id: string;
  runbook: string;
  name: string;
  cron: string;
  timeZone: string;
  params: Record<string, unknown>;
  catchUpMs: number;
  /** Next fire, ISO 8601; from BullMQ's scheduler when it is registered, else computed. */
  next?: string;
  /** The same in the schedule's time zone, e.g. `2026-12-07 03:00 CET`. */
  nextLocal?: string;
  /** False until a serving process has registered it (`drover serve`/`worker` at start-up). */
  registered: boolean;
  clusters: ScheduleClusterStatus[];
}

export interface SchedulesDeps extends ScheduleFireDeps {
  connection: ConnectionOptions;
  prefix: string;
  /** Queue of the fires; tests use a fresh one each. */
  queueName?: string;
  runbooks: RunbookRegistry;
  store: RunStore;
  policy: Policy;
  logger: Logger;
}

/**
 * The runbooks' schedules: BullMQ job schedulers reconciled from the loaded
 * runbooks, a worker that turns each fire into runs (ScheduleFire), and what
 * `drover schedules` shows.
 */
export class Schedules {
  readonly scheduler: ScheduleScheduler;
  readonly firing: ScheduleFire;
  private worker: Worker<ScheduleJobData> | undefined;
  private stopFollowing: (() => void) | undefined;
  private reconciling: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: SchedulesDeps) {
    this.scheduler = new ScheduleScheduler({
      connection: deps.connection,
      prefix: deps.prefix,
      ...(deps.queueName ? { queueName: deps.queueName } : {}),
      onError: (err) => deps.logger.warn({ err: err.message }, 'schedule queue connection error'),
    });
    this.firing = new ScheduleFire(deps);
  }

  /** Every schedule the loaded runbooks declare. */
  specs(): ScheduleSpec[] {
    return allSchedules(this.deps.runbooks);
  }

  /** Job schedulers in line with the runbooks now loaded (at start-up, and after a reload). */
  async reconcile(): Promise<ReconcileResult> {
    const result = await this.scheduler.reconcile(this.specs());
    await this.deps.redis.set(this.registeredKey(), new Date().toISOString());
    for (const id of result.removed) await this.forgetUnlessRunning(id);
    const changed = result.added.length + result.updated.length + result.removed.length;
    if (changed) this.deps.logger.info(result, 'schedules reconciled');
    return result;
  }

  /**
   * Reconciles, reports each schedule the policy does not allow (each of its
   * fires will be refused and audited), then takes fires. Several processes may run it.
   */
  async start(options: { concurrency?: number; reconcileEveryMs?: number } = {}): Promise<ScheduleStatus[]> {
    await this.reconcile();
    this.followRedis(options.reconcileEveryMs ?? 60_000);
    const statuses = await this.list();
    for (const s of statuses) {
      for (const c of s.clusters) {
        if (c.policy.decision === 'denied') {
          this.deps.logger.warn({ schedule: s.id, cluster: c.cluster, reason: c.policy.reason }, `schedule ${s.id} on ${c.cluster}: the policy does not allow it, so each fire will be refused and audited (name schedule:${s.id} in a policy group to allow it)`);
        }
      }
    }
    if (!this.worker) {
      this.worker = new Worker<ScheduleJobData>(this.scheduler.queue.name, (job) => this.process(job), {
        connection: this.deps.connection,
        prefix: `${this.deps.prefix}:q`,
        concurrency: options.concurrency ?? 4,
      });
      this.worker.on('error', (err) => this.deps.logger.warn({ err: err.message }, 'schedule worker error'));
      this.worker.on('failed', (job, err) => this.deps.logger.warn({ err: err.message, schedule: job?.data.schedule }, 'a schedule fire failed'));
      await this.worker.waitUntilReady();
    }
    return statuses;
  }

  /**
   * Forgets a removed schedule, unless a run it started is unfinished: an edit
   * that brings the schedule back must still see that run, or its next fire
   * would stack a second one.
   */
  private async forgetUnlessRunning(id: string): Promise<void> {
    for (const entry of (await this.deps.state.read(id)).values()) {
      const run = entry.runId ? await this.deps.store.get(entry.runId) : undefined;
      if (run && !isTerminal(run.state)) return;
    }
    await this.deps.state.forget(id);
  }

  /** Set by every reconcile: a Redis without it has lost its data (and the job schedulers with it). */
  private registeredKey(): string {
    return `${this.deps.prefix}:schedules-registered:${this.scheduler.queue.name}`;
  }

  /**
   * Whenever the queue's connection to Redis is ready again, and every
   * `everyMs`: a Redis that came back without its data (no persistence, a
   * failover to a replica behind) has lost the job schedulers, and nothing
   * else would register them before Drover restarts, so they are reconciled.
   * Only then: processes with other runbooks (a rolling upgrade) would
   * otherwise undo each other's schedules every minute.
   */
  private followRedis(everyMs: number): void {
    if (this.stopFollowing) return;
    let busy = false;
    const again = () => {
      // One check at a time: while Redis is away the one under way waits for it, and the next tick has nothing to add.
      if (busy) return;
      busy = true;
      this.reconciling = (async () => {
        if (!(await this.deps.redis.exists(this.registeredKey()))) await this.reconcile();
      })()
        .catch((err: unknown) => this.deps.logger.warn({ err: asDroverError(err).message }, 'cannot reconcile the schedules now; will try again'))
        .finally(() => {
          busy = false;
        });
    };
    // BullMQ's backend says 'ready' each time its connection is (again).
    const client = this.scheduler.queue.getBackend();
    client.on('ready', again);
    const timer = setInterval(again, everyMs);
    timer.unref();
    this.stopFollowing = () => {
      client.off('ready', again);
      clearInterval(timer);
    };
  }

  /** One fire: the schedule as the runbooks now define it, due at the time BullMQ scheduled the job for. */
  private async process(job: Job<ScheduleJobData>): Promise<FireResult[]> {
    const spec = this.specs().find((s) => s.id === job.data.schedule);
    if (!spec) {
      this.deps.logger.info({ schedule: job.data.schedule }, 'a fire of a schedule no runbook declares any more; ignored');
      return [];
    }
    const scheduledAt = job.timestamp + (job.opts.delay ?? 0);
    return this.firing.fire(spec, scheduledAt);
  }

  /** Each schedule: next fire in its time zone, per cluster its policy status, last fire and last run. */
  async list(): Promise<ScheduleStatus[]> {
    const { runbooks, policy, store, queue, state } = this.deps;
    const out: ScheduleStatus[] = [];
    for (const spec of this.specs()) {
      const registered = await this.scheduler.get(spec.id).catch(() => undefined);
      const nextMs = registered?.next ?? nextFire(spec.cron, spec.timeZone, new Date())?.getTime();
      const remembered = await state.read(spec.id);
      const clusters: ScheduleClusterStatus[] = [];
      const names = spec.clusters.length ? spec.clusters : [await queue.resolveCluster(undefined).catch(() => 'default')];
      for (const cluster of names) {
        const runbook = runbooks.get(spec.runbook);
        let status: SchedulePolicyStatus;
        try {
          const decision = await policy.decide({ requester: scheduleRequester(spec), runbook, cluster, params: spec.params, dryRun: false });
          status = decision.allowed
            ? { decision: decision.approval ? 'approval_required' : 'allowed', reason: decision.approval ? decision.approval.reason : decision.reason }
            : { decision: 'denied', reason: decision.reason };
        } catch (err) {
          status = { decision: 'denied', reason: asDroverError(err).message };
        }
        const entry = remembered.get(cluster);
        const run = entry?.runId ? await store.get(entry.runId) : undefined;
        clusters.push({
          cluster,
          policy: status,
          ...(entry?.fire ? { lastFire: entry.fire } : {}),
          ...(run ? { lastRun: { id: run.id, state: run.state, createdAt: run.createdAt, ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}) } } : {}),
        });
      }
      out.push({
        id: spec.id,
        runbook: spec.runbook,
        name: spec.name,
        cron: spec.cron,
        timeZone: spec.timeZone,
        params: spec.params,
        catchUpMs: spec.catchUpMs,
        ...(nextMs !== undefined ? { next: new Date(nextMs).toISOString(), nextLocal: localTime(new Date(nextMs), spec.timeZone) } : {}),
        registered: Boolean(registered),
        clusters,
      });
    }
    return out;
  }

  /** Stops taking fires (a fire in progress finishes) and closes the queue. */
  async close(): Promise<void> {
    this.stopFollowing?.();
    this.stopFollowing = undefined;
    // A check under way finishes, unless Redis is away (its commands wait for Redis): shutting down does not wait for that.
    await Promise.race([this.reconciling, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    await this.worker?.close();
    this.worker = undefined;
    await this.scheduler.close();
  }
}
