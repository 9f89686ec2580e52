import { Queue, type ConnectionOptions } from 'bullmq';
import { parseDuration } from '../config/duration.js';
import { DroverError } from '../errors.js';
import type { ClusterResolver } from '../k8s/clusters.js';
import { parseParams } from '../runbook/params.js';
import { splitSecrets } from '../redact/secret-params.js';
import { REDACTED } from '../redact/redactor.js';
import type { RunbookRegistry } from '../runbook/registry.js';
import type { Requester } from '../runbook/types.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Metrics } from '../metrics/metrics.js';
import { RUN_ID, newRunId } from './ids.js';
import type { RunRecord } from './run-record.js';
import { isTerminal } from './run-record.js';
import type { RunStore } from './run-store.js';

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

export interface JobData {
  runId: string;
  runbook: string;
  cluster: string;
  dryRun: boolean;
}

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
  now?: () => Date;
}

export const DEFAULT_QUEUE = 'runs';

/** Producer side: validates and enqueues runs, answers status, cancels. */
export class RunQueue {
  readonly queue: Queue<JobData>;
  private readonly options: RunQueueOptions;
  private readonly now: () => Date;

  constructor(options: RunQueueOptions) {
    this.options = options;
    this.now = options.now ?? (() => new Date());
    this.queue = new Queue<JobData>(options.queueName ?? DEFAULT_QUEUE, {
      connection: options.connection,
      prefix: `${options.prefix}:q`,
    });
    this.queue.on('error', options.onError ?? (() => undefined));
  }

  /**
   * Validates a request and enqueues it. Everything is checked before anything
   * is written: an unknown runbook, bad params or an unknown cluster change nothing.
   * Submitting an existing runId returns that run unchanged.
   */
  async submit(request: RunRequest): Promise<RunRecord> {
    const { store, runbooks } = this.options;
    if (request.runId !== undefined && !RUN_ID.test(request.runId)) {
      throw new DroverError('params_invalid', `Invalid run id "${request.runId}".`);
    }
    const runbook = runbooks.get(request.runbook);
    const { shown: params, secrets } = splitSecrets(runbook.params, parseParams(runbook, request.params), REDACTED);
    const cluster = await this.options.clusters(request.cluster);
    let concurrencyKey = runbook.id;
    if (runbook.concurrencyKey) {
      try {
        concurrencyKey = runbook.concurrencyKey(params);
      } catch (err) {
        throw new DroverError('runbook_invalid', `Runbook ${runbook.id}: its concurrencyKey failed for these params.`, { cause: err });
      }
    }
    const timeoutMs = runbook.timeout === undefined ? this.options.defaultTimeoutMs : (parseDuration(runbook.timeout) ?? this.options.defaultTimeoutMs);
    const record: RunRecord = {
      id: request.runId ?? newRunId(this.now().getTime()),
      runbook: runbook.id,
      cluster,
      params,
      dryRun: request.dryRun ?? false,
      requester: request.requester,
      state: 'queued',
      concurrencyKey,
      timeoutMs,
      createdAt: this.now().toISOString(),
      attempts: 0,
    };
    // Saved before the record exists, so a worker never sees a run without its secrets.
    await store.saveSecrets(record.id, secrets, this.options.retentionMs);
    // An existing id (a redelivered request) returns that run unchanged.
    if (!(await store.create(record))) return (await store.get(record.id)) ?? record;
    await this.options.audit.append({
      type: 'run.queued',
      runId: record.id,
      runbook: record.runbook,
      cluster,
      params,
      dryRun: record.dryRun,
      actor: record.requester,
    });
    try {
      await this.queue.add(
        runbook.id,
        { runId: record.id, runbook: runbook.id, cluster, dryRun: record.dryRun },
        {
          jobId: record.id,
          attempts: this.options.attempts,
          backoff: { type: 'drover' },
          removeOnComplete: { age: Math.ceil(this.options.retentionMs / 1000), count: 10_000 },
          removeOnFail: { age: Math.ceil(this.options.retentionMs / 1000), count: 10_000 },
        },
      );
    } catch (err) {
      const error = { code: 'redis_unavailable', message: 'The run could not be queued.' };
      await store.transition(record.id, ['queued'], 'failed', { error, finishedAt: this.now().toISOString() }).catch(() => undefined);
      throw new DroverError('redis_unavailable', 'The run could not be queued: the queue is unavailable.', { cause: err, retryable: true });
    }
    this.options.metrics?.runsEnqueued.inc({ runbook: runbook.id, requester: record.requester.kind });
    return record;
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
  async cancel(runId: string, by: Requester): Promise<RunRecord> {
    const { store } = this.options;
    const run = await this.get(runId);
    if (isTerminal(run.state)) {
      throw new DroverError('run_not_cancellable', `Run ${runId} already ${run.state}; nothing to cancel.`);
    }
    await store.requestCancel(runId, by);
    await this.options.audit.append({ type: 'run.cancel.requested', runId, actor: by });
    if (run.state === 'queued') {
      const job = await this.queue.getJob(runId);
      // remove() refuses a job a worker holds (active, locked): then the worker cancels it.
      const removed = job ? await job.remove().then(() => true, () => false) : true;
      if (removed) {
        const refused = await store.transition(runId, ['queued'], 'cancelled', {
          finishedAt: this.now().toISOString(),
          error: { code: 'run_cancelled', message: `Cancelled by ${by.name ?? by.id} before it started.` },
        });
        if (!refused) {
          await this.options.audit.append({
            type: 'run.finished',
            runId,
            runbook: run.runbook,
            cluster: run.cluster,
            outcome: 'cancelled',
            durationMs: 0,
            dryRun: run.dryRun,
          });
          this.options.metrics?.runs.inc({ runbook: run.runbook, outcome: 'cancelled', dry_run: String(run.dryRun) });
          await store.expire(runId, this.options.retentionMs);
        }
      }
    }
    await store.emit(runId, { type: 'report', text: `Cancellation requested by ${by.name ?? by.id}.` });
    return this.get(runId);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
