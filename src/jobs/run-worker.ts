import { DelayedError, Job, UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { RunOutcome } from '../audit/events.js';
import { DroverError, asDroverError } from '../errors.js';
import type { K8sHooks, K8sOps } from '../k8s/types.js';
import type { Metrics } from '../metrics/metrics.js';
import { parseParams } from '../runbook/params.js';
import type { RunbookRegistry } from '../runbook/registry.js';
import type { Requester } from '../runbook/types.js';
import { createRunContext } from './run-context.js';
import { DEFAULT_QUEUE, type JobData } from './run-queue.js';
import { isTerminal, type RunError, type RunRecord } from './run-record.js';
import type { RunStore } from './run-store.js';
import type { TargetLocks } from './target-lock.js';
import { retryDelay } from './backoff.js';
import type { ProposalStore } from '../approvals/proposal-store.js';
import { ApprovalPhases } from './approval-phases.js';
import { errorOf, literalScrubber, scrubChange } from './run-errors.js';
import { bindingKeyIn, type BindingKey } from '../approvals/binding-key.js';
import { workerRefusal, type WorkerCheckDeps } from './worker-check.js';
import { foreignRecord } from '../fleet/names.js';
import type { Tracer } from '@opentelemetry/api';
import { processSpan, setOutcome } from '../tracing/queue-spans.js';
import { k8sCallSpans } from '../tracing/k8s-spans.js';
import type { CtxServicesFactory } from './ctx-services.js';
import { isRunParked, type RunParked } from './run-parked.js';
import type { GitOpsWrap } from '../gitops/run-gitops.js';

/** Builds ctx.k8s for a run; `requester` decides the Kubernetes identity on an impersonating cluster (may throw permission_denied). */
export type K8sOpsFactory = (args: { cluster: string; dryRun: boolean; hooks: K8sHooks; requester: Requester }) => K8sOps;

export interface RunWorkerOptions {
  /** BullMQ connection; an ioredis instance needs `maxRetriesPerRequest: null`. */
  connection: ConnectionOptions;
  /** A connection to duplicate for the cancel subscription. */
  redis: Redis;
  prefix: string;
  queueName?: string;
  runbooks: RunbookRegistry;
  store: RunStore;
  audit: AuditLog;
  locks: TargetLocks;
  k8s: K8sOpsFactory;
  logger: Logger;
  metrics?: Metrics;
  concurrency: number;
  lockDurationMs: number;
  backoffMs: number;
  maxBackoffMs: number;
  retentionMs: number;
  /** How long a run whose target is busy waits before it looks again. */
  targetBusyDelayMs?: number;
  /** After a timeout, how long a step in progress may take to notice before the run is declared timed out anyway. */
  timeoutGraceMs?: number;
  /** Stalled-job check interval; defaults to BullMQ's (30 s). */
  stalledIntervalMs?: number;
  /** BullMQ's long poll on an empty queue (default 5 s): an agent's idle queue costs a fifth as much at 25 s. */
  drainDelaySeconds?: number;
  /** Opens proposals once their plan is computed; without it, runs needing approval fail. */
  proposals?: ProposalStore;
  /** The key approval hashes are made with; by default the installation's, in Redis. */
  bindingKey?: BindingKey;
  /** This worker's own policy (and who is one person), checked again before every attempt: what the submitter's policy said is not trusted. */
  check: WorkerCheckDeps;
  /** Traces each attempt, its steps and its Kubernetes calls; absent when tracing is off. */
  tracer?: Tracer;
  /** Builds ctx.prometheus and ctx.http per run (see ctxServicesFrom); by default none configured. */
  services?: CtxServicesFactory;
  /** Makes ctx.k8s GitOps-aware (objects Argo CD or Flux own follow their GitOps mode); absent: mutations go straight to the cluster. */
  gitops?: GitOpsWrap;
  now?: () => Date;
}

function cancelledBy(by: Requester): DroverError {
  return new DroverError('run_cancelled', `Cancelled by ${by.name ?? by.id}.`);
}

/** Consumer side: takes runs off the queue and executes their runbooks. */
export class RunWorker {
  readonly worker: Worker<JobData>;
  private readonly options: RunWorkerOptions;
  private readonly active = new Map<string, AbortController>();
  private readonly subscriber: Redis;
  private readonly now: () => Date;
  private readonly approvals: ApprovalPhases;

  constructor(options: RunWorkerOptions) {
    this.options = options;
    this.now = options.now ?? (() => new Date());
    this.approvals = new ApprovalPhases({ ...options, now: this.now, bindingKey: options.bindingKey ?? bindingKeyIn(options.redis, options.prefix) });
    this.worker = new Worker<JobData>(options.queueName ?? DEFAULT_QUEUE, (job, token) => processSpan(options.tracer, job, () => this.process(job, token)), {
      connection: options.connection,
      prefix: `${options.prefix}:q`,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      // How long a blocking read for the next job lasts when the queue is empty (a new job wakes it at once).
      ...(options.drainDelaySeconds ? { drainDelay: options.drainDelaySeconds } : {}),
      stalledInterval: options.stalledIntervalMs ?? Math.min(30_000, options.lockDurationMs),
      maxStalledCount: 2,
      autorun: false,
      settings: {
        backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) =>
          retryDelay(attemptsMade, err, options.backoffMs, options.maxBackoffMs),
      },
    });
    // A job BullMQ fails on its own (stalled too often) never reached our finish().
    this.worker.on('failed', (job, err) => {
      if (!job) return;
      // A plan job failing an attempt it will retry leaves its run planning.
      if (job.data.phase === 'plan' && job.attemptsMade < (job.opts.attempts ?? 1) && !(err instanceof UnrecoverableError) && !/stalled/i.test(err.message)) return;
      void this.failFromEngine(job.data.runId, err);
    });
    this.worker.on('error', (err) => options.logger.error({ err }, 'worker error'));
    // Connected in start(): a SUBSCRIBE sent before the connection's ready check (its INFO) put it in
    // subscriber mode, the check failed, and the reconnection came back without the subscription
    // (the fleet bench saw most of 2,000 agents deaf to cancels).
    this.subscriber = options.redis.duplicate({ enableAutoPipelining: false, lazyConnect: true });
    this.subscriber.on('error', (err: Error) => options.logger.warn({ err: err.message }, 'cancel subscription: Redis connection error'));
  }

  async start(): Promise<void> {
    await this.subscriber.connect();
    await this.subscriber.subscribe(this.options.store.cancelChannel);
    this.subscriber.on('message', (_channel: string, runId: string) => {
      const controller = this.active.get(runId);
      if (!controller) return;
      void this.options.store.cancelRequested(runId).then((by) => {
        if (by) controller.abort(cancelledBy(by));
      });
    });
    void this.worker.run().catch((err: unknown) => this.options.logger.error({ err }, 'worker stopped'));
    await this.worker.waitUntilReady();
  }

  /** Stops taking jobs and waits for the runs in progress to finish. */
  async close(force = false): Promise<void> {
    await this.worker.close(force);
    if (this.subscriber.status === 'wait') this.subscriber.disconnect();
    else await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }

  /** Runs this worker is executing now (a close without force waits for them). */
  get runsInProgress(): number {
    return this.active.size;
  }

  private async process(job: Job<JobData>, token?: string): Promise<{ state: string }> {
    const { store, audit, runbooks, locks, logger } = this.options;
    const { runId } = job.data;
    // The record and its secrets in one round trip; the cancel flag is a field of the record.
    const loaded = await store.load(runId).catch((err: unknown) => {
      // An agent's ACL user reads its own cluster's runs only: a job in its queue naming another run was
      // forged there, and no retry will read it (whatever attempts the job asks for).
      if (err instanceof Error && err.message.startsWith('NOPERM')) throw new UnrecoverableError(`Run ${runId} is not this worker's to read: ${err.message}`);
      throw err;
    });
    if (!loaded) throw new UnrecoverableError(`Run ${runId} is not in the run store (expired?).`);
    const { run, secrets } = loaded;
    if (isTerminal(run.state)) return { state: run.state };
    const foreign = foreignRecord(run);
    if (foreign) {
      const error = { code: 'permission_denied', message: `${foreign}: refused, nothing was changed.` };
      await this.options.audit.append({ type: 'run.refused', runId: run.id, runbook: run.runbook, cluster: run.cluster, actor: run.requester, by: 'worker', code: error.code, reason: error.message });
      await this.finish(run, 'failed', { error });
      throw new UnrecoverableError(error.message);
    }
    if (job.data.phase === 'plan') {
      // An unknown runbook is the plan's own failure to report.
      if (run.state === 'planning' && this.options.runbooks.has(run.runbook)) await this.refuseIfNotAllowed(run, true);
      return this.approvals.plan(job, run);
    }

    const cancel = run.cancelRequestedBy;
    if (cancel) {
      await this.finish(run, 'cancelled', { error: errorOf(cancelledBy(cancel)) });
      return { state: 'cancelled' };
    }

    let params: Record<string, unknown>;
    let runbook;
    const scrub = literalScrubber(Object.values(secrets));
    try {
      // The version the run was queued (and approved) with, while this process still has it.
      runbook = runbooks.get(run.runbook, run.pack?.hash);
      params = parseParams(runbook, { ...run.params, ...secrets });
    } catch (err) {
      const error = { code: asDroverError(err).code, message: scrub(asDroverError(err).message) };
      await this.finish(run, 'failed', { error });
      throw new UnrecoverableError(error.message);
    }
    await this.refuseIfNotAllowed(run);

    const lock = await locks.acquire(run.cluster, run.concurrencyKey, runId);
    if ('heldBy' in lock) {
      await store.emit(runId, { type: 'waiting', heldBy: lock.heldBy, concurrencyKey: run.concurrencyKey });
      await audit.append({ type: 'run.waiting', runId, concurrencyKey: run.concurrencyKey, heldBy: lock.heldBy });
      // The holder wakes us when it finishes; the delay is only a safety net.
      await locks.addWaiter(run.cluster, run.concurrencyKey, runId);
      await job.moveToDelayed(Date.now() + (this.options.targetBusyDelayMs ?? 2000), token);
      throw new DelayedError();
    }

    const controller = new AbortController();
    // Made when it happens: an error captures a stack, and most runs never time out.
    const timedOut = () => new DroverError('run_timed_out', `Timed out after ${Math.round(run.timeoutMs / 1000)}s.`);
    let hardStop: (err: unknown) => void = () => undefined;
    const deadline = new Promise<never>((_, reject) => {
      hardStop = reject;
    });
    const timer = setTimeout(() => {
      const timeoutError = timedOut();
      controller.abort(timeoutError);
      setTimeout(() => hardStop(timeoutError), this.options.timeoutGraceMs ?? 5000).unref();
    }, run.timeoutMs);
    // The worker's connections keep a serving process alive; a forced close must not be held up to the run's timeout by this.
    timer.unref();
    this.active.set(runId, controller);
    let attempt = 0;
    let startedAudit: Promise<unknown> = Promise.resolve();

    try {
      // A parked run waking up goes on with the same attempt, already started and audited as such.
      const woke = run.state === 'running' && run.parkedUntil !== undefined;
      const resumed = run.state === 'running' && !woke;
      const startedAt = run.startedAt ?? this.now().toISOString();
      const started = await store.start(runId, ['queued', 'running'], { startedAt, ...(runbook.pack ? { pack: runbook.pack } : {}) });
      attempt = started.attempt;
      if (started.refused) return { state: started.refused };
      if (!woke) {
        // Appended while the first step begins: that step's own audit event, and so any side effect, waits for it.
        startedAudit = audit.append({ type: 'run.started', runId, runbook: run.runbook, cluster: run.cluster, attempt, resumed, ...(runbook.pack ? { pack: runbook.pack } : {}) });
        startedAudit.catch(() => undefined);
      }
      if (resumed) await store.emit(runId, { type: 'report', text: `Resumed on attempt ${attempt}; completed steps are not repeated.` });

      await this.approvals.verify(run, runbook, params, attempt, controller.signal);
      const runLogger = logger.child({ runId, runbook: run.runbook, cluster: run.cluster });
      const plainK8s = this.options.k8s({ cluster: run.cluster, dryRun: run.dryRun, hooks: this.k8sHooks(runId, scrub), requester: run.requester });
      const k8s = this.options.gitops
        ? this.options.gitops(plainK8s, {
            run,
            runbook,
            store,
            scrub,
            // After the run's run.started, as every event of the run.
            audit: async (body) => {
              await startedAudit;
              return audit.append(body);
            },
          })
        : plainK8s;
      const ctx = createRunContext({
        run,
        attempt,
        signal: controller.signal,
        k8s,
        store,
        audit,
        logger: runLogger,
        tracer: this.options.tracer,
        scrub,
        audited: startedAudit,
        ...(this.options.services
          ? {
              services: this.options.services({
                runId,
                cluster: run.cluster,
                dryRun: run.dryRun,
                signal: controller.signal,
                // After the run's run.started, as every event of the run.
                audit: {
                  append: async (body) => {
                    await startedAudit;
                    return audit.append(body);
                  },
                },
                scrub,
                onChange: (change) => store.addChange(runId, scrubChange(scrub)(change)),
              }),
            }
          : {}),
        cancelled: (by) => {
          controller.abort(cancelledBy(by));
          return controller.signal.reason as DroverError;
        },
      });
      deadline.catch(() => undefined);
      const result = await Promise.race([runbook.run(ctx, params), deadline]);
      await startedAudit;
      await this.finish({ ...run, startedAt, ...(runbook.pack ? { pack: runbook.pack } : {}) }, 'succeeded', {
        result: result === undefined ? undefined : (JSON.parse(JSON.stringify(result)) as unknown),
      });
      return { state: 'succeeded' };
    } catch (thrown) {
      // What ends the attempt is recorded after its run.started (an audit that failed fails the attempt, to be retried).
      await startedAudit;
      if (isRunParked(thrown) && !controller.signal.aborted) await this.park(job, token, runId, thrown);
      const err = asDroverError(controller.signal.aborted ? controller.signal.reason : thrown);
      const current = (await store.get(runId)) ?? run;
      if (err.code === 'run_cancelled') {
        await this.finish(current, 'cancelled', { error: errorOf(err) });
        return { state: 'cancelled' };
      }
      if (err.code === 'run_timed_out') {
        await this.finish(current, 'timed-out', { error: errorOf(err) });
        throw new UnrecoverableError(err.message);
      }
      const attemptsLeft = (job.opts.attempts ?? 1) - job.attemptsMade - 1;
      if (err.retryable && attemptsLeft > 0) {
        const delayMs = retryDelay(job.attemptsMade + 1, err, this.options.backoffMs, this.options.maxBackoffMs);
        await store.transition(runId, ['running'], 'queued');
        await store.emit(runId, { type: 'retry', attempt, delayMs, error: errorOf(err) });
        await audit.append({ type: 'run.retrying', runId, attempt, delayMs, error: errorOf(err) });
        this.options.metrics?.retries.inc({ runbook: run.runbook, code: err.code });
        throw err;
      }
      if (err.code === 'internal') logger.error({ err: thrown, runId }, 'run failed with an unexpected error');
      const error = { code: err.code, message: scrub(err.message) };
      await this.finish(current, 'failed', { error });
      throw new UnrecoverableError(error.message);
    } finally {
      clearTimeout(timer);
      this.active.delete(runId);
      const waiters = await lock.release().catch(() => []);
      if (waiters.length) await this.wakeNextWaiter(run.cluster, run.concurrencyKey, waiters).catch(() => undefined);
    }
  }

  /**
   * Puts a run that waits outside Drover back in the queue until it should
   * look again; the run stays running, its slot and target lock are freed.
   * Told (report and audit) when what it waits for changes, not at each look.
   */
  private async park(job: Job<JobData>, token: string | undefined, runId: string, parked: RunParked): Promise<never> {
    const until = new Date(Math.max(parked.untilMs, this.now().getTime() + 1000));
    const previous = await this.options.store.park(runId, until, parked.reason);
    if (previous !== parked.reason) {
      await this.options.audit.append({ type: 'run.parked', runId, until: until.toISOString(), reason: parked.reason });
      await this.options.store.emit(runId, { type: 'report', text: `Waiting for ${parked.reason} (next look ${until.toISOString()}).` });
    }
    await job.moveToDelayed(until.getTime(), token);
    throw new DelayedError();
  }

  /**
   * Refuses (audited, not retried) a run this worker's own policy does not
   * allow, or one held for approval without approvals it can count: before
   * its proposal's dry run, and before every attempt, a resumed one too.
   */
  private async refuseIfNotAllowed(run: RunRecord, planning = false): Promise<void> {
    const refusal = await workerRefusal(run, this.options.runbooks.get(run.runbook), this.options.check, planning);
    if (!refusal) return;
    const error = errorOf(refusal);
    await this.options.audit.append({ type: 'run.refused', runId: run.id, runbook: run.runbook, cluster: run.cluster, actor: run.requester, by: 'worker', code: error.code, reason: error.message });
    this.options.metrics?.decisions.inc({ runbook: run.runbook, decision: 'denied' });
    if (planning) await this.approvals.fail(run, error);
    else await this.finish(run, 'failed', { error });
    throw new UnrecoverableError(error.message);
  }

  /** Promotes the oldest run waiting for this target, so it need not sit out its delay. */
  private async wakeNextWaiter(cluster: string, concurrencyKey: string, waiters: string[]): Promise<void> {
    const { locks } = this.options;
    for (const id of waiters) {
      const job = await Job.fromId<JobData>(this.worker, id);
      if (!job || (await job.isCompleted()) || (await job.isFailed())) {
        await locks.removeWaiter(cluster, concurrencyKey, id);
        continue;
      }
      if (await job.isDelayed()) await job.promote().catch(() => undefined);
      return;
    }
  }

  /** `scrub` takes the run's own secret values out of the changes people see. */
  private k8sHooks(runId: string, scrub: (text: string) => string): K8sHooks {
    const { audit, store, metrics } = this.options;
    return {
      onApiCall: ({ cluster, verb, code }) => metrics?.k8sCalls.inc({ cluster, verb, code: String(code) }),
      ...(this.options.tracer ? { onApiCallStart: k8sCallSpans(this.options.tracer, scrub) } : {}),
      // Held in the audit outbox while the request is out: a worker dying before the answer
      // leaves the mutation recorded with outcome "unknown", never not at all.
      beforeMutation: (record, id) => audit.outbox.hold({ field: `k8s.mutation ${runId} ${id}`, event: { type: 'k8s.mutation', runId, ...record, outcome: 'unknown' } }, this.now()),
      onMutation: async (record, change, id) => {
        await audit.outbox.deliver({ field: `k8s.mutation ${runId} ${id}`, event: { type: 'k8s.mutation', runId, ...record } });
        if (change && record.outcome === 'succeeded') await store.addChange(runId, scrubChange(scrub)(change));
      },
    };
  }

  /** Moves a run to a terminal state once; later calls (a late worker, the engine's failed event) change nothing. */
  private async finish(run: RunRecord, outcome: RunOutcome, fields: { error?: RunError; result?: unknown }): Promise<void> {
    const { store, audit, metrics } = this.options;
    if (this.options.tracer) setOutcome(outcome);
    const finishedAt = this.now();
    // From the first start; a run that never started (cancelled or refused before it ran) took 0, as the queue's own cancel says, and is no run duration.
    const durationMs = run.startedAt ? finishedAt.getTime() - Date.parse(run.startedAt) : 0;
    const finished = {
      type: 'run.finished' as const,
      runId: run.id,
      runbook: run.runbook,
      cluster: run.cluster,
      outcome,
      durationMs,
      dryRun: run.dryRun,
      ...(fields.error ? { error: fields.error } : {}),
      ...(run.pack ? { pack: run.pack } : {}),
    };
    // planning too: a plan job the engine gives up on (stalled too often) ends its proposal.
    // The audit event goes with the state (outbox): a worker dying in between leaves it to the drain.
    const audited = { field: `run.finished ${run.id}`, event: finished };
    const refused = await store.transition(
      run.id,
      ['queued', 'running', 'planning'],
      outcome,
      {
        finishedAt: finishedAt.toISOString(),
        ...(fields.error ? { error: fields.error } : {}),
        ...(fields.result !== undefined ? { result: fields.result } : {}),
      },
      audited,
      this.options.retentionMs,
    );
    if (refused) return;
    await audit.outbox.deliver(audited);
    metrics?.runs.inc({ runbook: run.runbook, outcome, dry_run: String(run.dryRun) });
    if (run.startedAt) metrics?.runDuration.observe({ runbook: run.runbook, outcome }, durationMs / 1000);
  }

  private async failFromEngine(runId: string, err: Error): Promise<void> {
    const run = await this.options.store.get(runId).catch(() => undefined);
    if (!run || isTerminal(run.state) || err instanceof DelayedError) return;
    if (run.state === 'queued') return; // a retry is scheduled
    const message = /stalled/i.test(err.message)
      ? 'The worker running it was lost too many times; it was not retried again.'
      : `Failed: ${err.message}`;
    await this.finish(run, 'failed', { error: { code: 'internal', message } }).catch(() => undefined);
  }
}
