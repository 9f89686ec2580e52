import { Queue, type ConnectionOptions } from 'bullmq';
import { parseDuration } from '../config/duration.js';
import { DroverError, asDroverError } from '../errors.js';
import type { ClusterResolver } from '../k8s/clusters.js';
import { parseParams } from '../runbook/params.js';
import { splitSecrets } from '../redact/secret-params.js';
import { REDACTED } from '../redact/redactor.js';
import type { RunbookRegistry } from '../runbook/registry.js';
import type { Requester } from '../runbook/types.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuditEventBody } from '../audit/events.js';
import type { Metrics } from '../metrics/metrics.js';
import { RUN_ID, newRunId } from './ids.js';
import type { ApprovalState, RunRecord, RunState } from './run-record.js';
import { HELD_STATES, isHeld, isTerminal } from './run-record.js';
import type { RunStore } from './run-store.js';
import type { Tracer } from '@opentelemetry/api';
import { sendSpan, type TracedJobData } from '../tracing/queue-spans.js';
import { clusterOfRunId, fleetRunId, isAgentRun } from '../fleet/names.js';
import { QueueRouter } from './queue-router.js';

/** Which clusters have agents (their runs go to their own queue), and whether one can take a run now. */
export interface FleetRouting {
  isAgentCluster(name: string): Promise<boolean>;
  /** Throws (a clear cluster_unreachable) when the cluster's agent is gone and runs must not wait for it. */
  checkAgent?(cluster: string): Promise<void>;
}

export interface RunRequest {
  runbook: string;
  params: Record<string, unknown>;
  /** Cluster name; the default cluster when absent. */
  cluster?: string;
  dryRun?: boolean;
  requester: Requester;
  /** Caller-chosen id for idempotent submission (a retried webhook submits the same id). */
  runId?: string;
}

/**
 * A job's data: the run it executes (`phase: 'plan'` is the dry run a proposal
 * shows its approvers), and the W3C trace context of the span that queued it
 * (and of a failed attempt before), so the worker's spans continue that trace.
 */
export type JobData = TracedJobData;

/** What a run that needs approval is held for (from the policy decision). */
export type ApprovalRequest = Omit<ApprovalState, 'approvers' | 'expiresAt' | 'hash' | 'rejectedBy'>;

/** The BullMQ job id of a proposal's plan (the run's own job takes the run id once approved). */
export const planJobId = (runId: string): string => `${runId}-plan`;

export interface RunQueueOptions {
  connection: ConnectionOptions;
  /** Redis key prefix; BullMQ's keys live under `<prefix>:q`. */
  prefix: string;
  queueName?: string;
  runbooks: RunbookRegistry;
  store: RunStore;
  audit: AuditLog;
  clusters: ClusterResolver;
  metrics?: Metrics;
  attempts: number;
  defaultTimeoutMs: number;
  retentionMs: number;
  /** Connection errors of the queue (Redis down); the readiness check reports them too. */
  onError?: (err: Error) => void;
  /** Traces each add as a messaging `send` span; absent when tracing is off. */
  tracer?: Tracer;
  /** Agent clusters: absent, every cluster is served by central workers. */
  fleet?: FleetRouting;
  now?: () => Date;
}

export const DEFAULT_QUEUE = 'runs';

/** The audit event of a run entering the queue. */
function queuedEvent(run: RunRecord): AuditEventBody {
  return { type: 'run.queued', runId: run.id, runbook: run.runbook, cluster: run.cluster, params: run.params, dryRun: run.dryRun, actor: run.requester, ...(run.pack ? { pack: run.pack } : {}) };
}

const PREPARED = Symbol('prepared run');

/** A validated run not yet stored, from `prepareMany`: only the queue makes them. */
export interface PreparedRun {
  readonly record: RunRecord;
  readonly secrets: Record<string, unknown>;
  readonly [PREPARED]: true;
}

/** Producer side: validates and enqueues runs, answers status, cancels. */
export class RunQueue {
  /** The shared queue, that central workers take from. */
  readonly queue: Queue<JobData>;
  private readonly options: RunQueueOptions;
  private readonly now: () => Date;
  private readonly queues: QueueRouter;

  constructor(options: RunQueueOptions) {
    this.options = options;
    this.now = options.now ?? (() => new Date());
    this.queue = new Queue<JobData>(options.queueName ?? DEFAULT_QUEUE, {
      connection: options.connection,
      prefix: `${options.prefix}:q`,
    });
    this.queue.on('error', options.onError ?? (() => undefined));
    this.queues = new QueueRouter(this.queue, options.connection, `${options.prefix}:q`, options.onError ?? (() => undefined));
  }

  /** The queue a run's jobs go to: its agent cluster's own, or the shared one. */
  queueOf(run: Pick<RunRecord, 'id' | 'cluster'>): Queue<JobData> {
    return this.queues.queueFor(run.cluster, isAgentRun(run));
  }

  /**
   * Validates a request and enqueues it. Everything is checked before anything
   * is written: an unknown runbook, bad params or an unknown cluster change nothing.
   * Submitting an existing runId returns that run unchanged.
   *
   * With `approval`, the run is held instead: it is planned (a dry run on a
   * worker) and waits for approval; `release` queues it once approved.
   */
  async submit(request: RunRequest, approval?: ApprovalRequest): Promise<RunRecord> {
    return this.submitPrepared(await this.prepare(request), approval);
  }

  /** Validates a request as `submit` does, writing nothing (the policy decides on the result). */
  async prepare(request: RunRequest, clusters: ClusterResolver = this.options.clusters): Promise<PreparedRun> {
    const validated = await this.validate(request, clusters);
    return { record: this.recordOf(request, validated), secrets: validated.secrets, [PREPARED]: true };
  }

  /** Stores and enqueues a prepared run, or holds it for approval (see `submit`). */
  async submitPrepared(prepared: PreparedRun, approval?: ApprovalRequest): Promise<RunRecord> {
    const { store } = this.options;
    const record: RunRecord = approval ? { ...prepared.record, state: 'planning', approval: { ...approval, approvers: [] } } : prepared.record;
    // Record and secrets together; an existing id (a redelivered request) returns that run unchanged.
    const [created] = await store.createMany([{ record, secrets: prepared.secrets }], this.options.retentionMs);
    if (!created) return (await store.get(record.id)) ?? record;
    if (approval) return this.plan(record, approval);
    await this.release(record, 'The run could not be queued');
    return record;
  }

  /** A new run's record, queued. */
  private recordOf(request: RunRequest, v: Awaited<ReturnType<RunQueue['validate']>>): RunRecord {
    const id = request.runId ?? newRunId(this.now().getTime());
    return {
      // An agent cluster's run carries its cluster in its id: the agent's ACL user may touch only those.
      id: v.agent ? fleetRunId(v.cluster, id) : id,
      runbook: v.runbook.id,
      cluster: v.cluster,
      params: v.params,
      dryRun: request.dryRun ?? false,
      requester: request.requester,
      state: 'queued',
      concurrencyKey: v.concurrencyKey,
      timeoutMs: v.timeoutMs,
      createdAt: this.now().toISOString(),
      attempts: 0,
      // Which code the run was asked (and, held for approval, approved) with.
      ...(v.runbook.pack ? { pack: v.runbook.pack } : {}),
    };
  }

  /** Holds a run for approval: audits the proposal and queues its dry run. */
  private async plan(record: RunRecord, approval: ApprovalRequest): Promise<RunRecord> {
    await this.options.audit.append({
      type: 'run.proposed',
      runId: record.id,
      runbook: record.runbook,
      cluster: record.cluster,
      params: record.params,
      dryRun: record.dryRun,
      actor: record.requester,
      ...(record.pack ? { pack: record.pack } : {}),
      needed: approval.needed,
      ...(approval.group ? { group: approval.group } : {}),
      reason: approval.reason,
    });
    try {
      const queue = this.queueOf(record);
      await sendSpan(this.options.tracer, { queue: queue.name, runs: [{ id: record.id, runbook: record.runbook, dryRun: true }], phase: 'plan' }, (traced) =>
        queue.add(
          record.runbook,
          { runId: record.id, runbook: record.runbook, cluster: record.cluster, dryRun: true, phase: 'plan', ...traced },
          { jobId: planJobId(record.id), ...this.jobOptions() },
        ),
      );
    } catch (err) {
      const error = { code: 'redis_unavailable', message: 'The run could not be planned.' };
      await this.options.store.transition(record.id, ['planning'], 'failed', { error, finishedAt: this.now().toISOString() }).catch(() => undefined);
      throw new DroverError('redis_unavailable', 'The run could not be planned: the queue is unavailable.', { cause: err, retryable: true });
    }
    return record;
  }

  /**
   * Audits a stored, queued run and adds its job (an approved run is queued
   * this way too). If the queue is unavailable the run fails rather than sit
   * queued with no job.
   */
  async release(run: RunRecord, failure = 'The approved run could not be queued'): Promise<void> {
    await this.options.audit.append(queuedEvent(run));
    try {
      const queue = this.queueOf(run);
      await sendSpan(this.options.tracer, { queue: queue.name, runs: [run] }, (traced) =>
        queue.add(run.runbook, { runId: run.id, runbook: run.runbook, cluster: run.cluster, dryRun: run.dryRun, ...traced }, { jobId: run.id, ...this.jobOptions() }),
      );
    } catch (err) {
      const error = { code: 'redis_unavailable', message: `${failure}.` };
      await this.options.store.transition(run.id, ['queued'], 'failed', { error, finishedAt: this.now().toISOString() }).catch(() => undefined);
      throw new DroverError('redis_unavailable', `${failure}: the queue is unavailable.`, { cause: err, retryable: true });
    }
    this.options.metrics?.runsEnqueued.inc({ runbook: run.runbook, requester: run.requester.kind });
  }

  private jobOptions() {
    return {
      attempts: this.options.attempts,
      backoff: { type: 'drover' },
      removeOnComplete: { age: Math.ceil(this.options.retentionMs / 1000), count: 10_000 },
      removeOnFail: { age: Math.ceil(this.options.retentionMs / 1000), count: 10_000 },
    };
  }

  /** Everything `submit` checks before it writes anything. */
  private async validate(request: RunRequest, clusters: ClusterResolver = this.options.clusters) {
    const { runbooks } = this.options;
    if (request.runId !== undefined && !RUN_ID.test(request.runId)) {
      throw new DroverError('params_invalid', `Invalid run id "${request.runId}".`);
    }
    const runbook = runbooks.get(request.runbook);
    const { shown: params, secrets } = splitSecrets(runbook.params, parseParams(runbook, request.params), REDACTED);
    const cluster = await clusters(request.cluster);
    const agent = (await this.options.fleet?.isAgentCluster(cluster)) ?? false;
    if (!agent && request.runId !== undefined && clusterOfRunId(request.runId) !== undefined) {
      // `<name>.<id>` is how an agent cluster's runs are named: another cluster's run must never look like one.
      throw new DroverError('params_invalid', `Invalid run id "${request.runId}": ids of the form <cluster>.<id> are reserved for agent clusters' runs.`);
    }
    if (agent) await this.options.fleet?.checkAgent?.(cluster);
    let concurrencyKey = runbook.id;
    if (runbook.concurrencyKey) {
      try {
        concurrencyKey = runbook.concurrencyKey(params);
      } catch (err) {
        throw new DroverError('runbook_invalid', `Runbook ${runbook.id}: its concurrencyKey failed for these params.`, { cause: err });
      }
    }
    const timeoutMs = runbook.timeout === undefined ? this.options.defaultTimeoutMs : (parseDuration(runbook.timeout) ?? this.options.defaultTimeoutMs);
    return { runbook, params, secrets, cluster, agent, concurrencyKey, timeoutMs };
  }

  /**
   * Validates many requests as `submit` does, writing nothing: per request, a
   * run ready for `enqueueMany`, or the error that rejects it. Each cluster
   * name is resolved once per call.
   */
  async prepareMany(requests: RunRequest[]): Promise<Array<PreparedRun | DroverError>> {
    const resolved = new Map<string | undefined, Promise<string>>();
    const clusters: ClusterResolver = (name) => {
      let cluster = resolved.get(name);
      if (!cluster) resolved.set(name, (cluster = this.options.clusters(name)));
      return cluster;
    };
    return Promise.all(
      requests.map(async (request): Promise<PreparedRun | DroverError> => {
        try {
          return await this.prepare(request, clusters);
        } catch (err) {
          const e = asDroverError(err);
          // Redis trouble (a presence lookup) is Drover's, not the request's.
          if (e.retryable) throw e;
          return e;
        }
      }),
    );
  }

  /**
   * Enqueues prepared runs in a few round trips whatever their number (an alert
   * storm): their run.queued events in one audit append, the records in one
   * atomic step, the jobs in one bulk add. Idempotent per run id, so a retry
   * after a failure completes what it began: an existing run is returned as it
   * is, and its job added again while it is queued (a no-op when the job
   * exists). A failure leaves the runs queued for that retry and throws a
   * retryable redis_unavailable error. Returns the runs in the order given.
   */
  async enqueueMany(runs: PreparedRun[]): Promise<RunRecord[]> {
    const { store } = this.options;
    const unique = [...new Map(runs.map((run) => [run.record.id, run])).values()];
    const byId = new Map<string, RunRecord>();
    try {
      for (const found of await store.getMany(unique.map((run) => run.record.id))) if (found) byId.set(found.id, found);
      const fresh = unique.filter((run) => !byId.has(run.record.id));
      // Audited before they are stored: a stored run always has its run.queued
      // event, and a failure in between repeats the event on the retry rather than lose it.
      await this.options.audit.appendMany(fresh.map(({ record }) => queuedEvent(record)));
      const created = await store.createMany(fresh, this.options.retentionMs);
      const raced = fresh.filter((run, i) => {
        if (created[i]) byId.set(run.record.id, run.record);
        return !created[i];
      });
      for (const found of await store.getMany(raced.map((run) => run.record.id))) if (found) byId.set(found.id, found);
      const queued = [...byId.values()].filter((run) => run.state === 'queued');
      // One bulk add per queue: the shared one, and each agent cluster's.
      const byQueue = new Map<Queue<JobData>, RunRecord[]>();
      for (const run of queued) {
        const queue = this.queueOf(run);
        const group = byQueue.get(queue);
        if (group) group.push(run);
        else byQueue.set(queue, [run]);
      }
      for (const [queue, group] of byQueue) {
        await sendSpan(this.options.tracer, { queue: queue.name, runs: group }, (traced) =>
          queue.addBulk(
            group.map((run) => ({ name: run.runbook, data: { runId: run.id, runbook: run.runbook, cluster: run.cluster, dryRun: run.dryRun, ...traced }, opts: { jobId: run.id, ...this.jobOptions() } })),
          ),
        );
      }
      fresh.forEach((run, i) => {
        if (created[i]) this.options.metrics?.runsEnqueued.inc({ runbook: run.record.runbook, requester: run.record.requester.kind });
      });
    } catch (err) {
      throw new DroverError('redis_unavailable', 'The runs could not be queued: Redis is unavailable.', { cause: err, retryable: true });
    }
    return runs.map((run) => byId.get(run.record.id) ?? run.record);
  }

  /** The cluster a run would go to: the named one if known, else the default; cluster_unknown otherwise. */
  resolveCluster(name: string | undefined): Promise<string> {
    return this.options.clusters(name);
  }

  async get(runId: string): Promise<RunRecord> {
    const run = await this.options.store.get(runId);
    if (!run) throw new DroverError('run_not_found', `No run with id "${runId}".`);
    return run;
  }

  /**
   * Cancels a run. A queued run is removed from the queue and never starts; a
   * running one stops before its next step (the step in progress finishes).
   */
  async cancel(runId: string, by: Requester, options: { unstartedOnly?: boolean } = {}): Promise<RunRecord> {
    const { store } = this.options;
    const run = await this.get(runId);
    if (isTerminal(run.state)) {
      throw new DroverError('run_not_cancellable', `Run ${runId} already ${run.state}; nothing to cancel.`);
    }
    if (options.unstartedOnly) return this.cancelUnstarted(run, by);
    await store.requestCancel(runId, by);
    await this.options.audit.append({ type: 'run.cancel.requested', runId, actor: by });
    const who = by.name ?? by.id;
    if (isHeld(run.state)) {
      // Held runs never reached a worker, apart from the plan's dry run (which changes nothing).
      await (await this.queueOf(run).getJob(planJobId(runId)))?.remove().catch(() => undefined);
      if (await this.endUnstarted(run, HELD_STATES, `Cancelled by ${who} before it was approved.`)) await store.forgetProposal(runId);
    } else if (run.state === 'queued') {
      const job = await this.queueOf(run).getJob(runId);
      // remove() refuses a job a worker holds (active, locked): then the worker cancels it.
      const removed = job ? await job.remove().then(() => true, () => false) : true;
      // A run queued again for a retry has started (its completed steps stay done).
      const when = run.startedAt ? 'between two attempts' : 'before it started';
      if (removed) await this.endUnstarted(run, ['queued'], `Cancelled by ${who} ${when}.`);
    }
    await store.emit(runId, { type: 'report', text: `Cancellation requested by ${by.name ?? by.id}.` });
    return this.get(runId);
  }

  /**
   * Cancels a run only if it has never started (a resolved alert's run): a
   * queued run whose job can still be removed, or a held one. A run a worker
   * has taken meanwhile, or one that started and waits for a retry, is left
   * to finish: no cancellation is requested at all.
   */
  private async cancelUnstarted(run: RunRecord, by: Requester): Promise<RunRecord> {
    if (run.startedAt || run.state === 'running') return run;
    if (isHeld(run.state)) return this.cancel(run.id, by);
    const job = await this.queueOf(run).getJob(run.id);
    // remove() refuses a job a worker holds: then the run has started and goes on.
    const removed = job ? await job.remove().then(() => true, () => false) : true;
    if (!removed) return this.get(run.id);
    await this.options.audit.append({ type: 'run.cancel.requested', runId: run.id, actor: by });
    await this.endUnstarted(run, ['queued'], `Cancelled by ${by.name ?? by.id} before it started.`);
    return this.get(run.id);
  }

  /** Ends a run that never started as cancelled, once; true when this call ended it. */
  private async endUnstarted(run: RunRecord, from: readonly RunState[], message: string): Promise<boolean> {
    const { store } = this.options;
    const event = { type: 'run.finished' as const, runId: run.id, runbook: run.runbook, cluster: run.cluster, outcome: 'cancelled' as const, durationMs: 0, dryRun: run.dryRun };
    const audited = { field: `run.finished ${run.id}`, event };
    const refused = await store.transition(run.id, from, 'cancelled', { finishedAt: this.now().toISOString(), error: { code: 'run_cancelled', message } }, audited);
    if (refused) return false;
    await this.options.audit.outbox.deliver(audited);
    this.options.metrics?.runs.inc({ runbook: run.runbook, outcome: 'cancelled', dry_run: String(run.dryRun) });
    await store.expire(run.id, this.options.retentionMs);
    return true;
  }

  async close(): Promise<void> {
    await this.queues.close();
  }
}
