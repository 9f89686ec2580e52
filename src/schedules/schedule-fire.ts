import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { ScheduleFireOutcome } from '../audit/events.js';
import type { CircuitBreakers } from '../alertmanager/circuit-breaker.js';
import type { RunGate } from '../approvals/run-gate.js';
import { parseDuration } from '../config/duration.js';
import { asDroverError } from '../errors.js';
import type { RunQueue } from '../jobs/run-queue.js';
import { isTerminal, type RunRecord } from '../jobs/run-record.js';
import type { RunStore } from '../jobs/run-store.js';
import type { Metrics } from '../metrics/metrics.js';
import { withLock } from '../redis-lock.js';
import type { Redis } from 'ioredis';
import type { RunbookRegistry } from '../runbook/registry.js';
import { firesBetween } from './cron.js';
import { scheduledRunId, scheduleRequester, type ScheduleSpec } from './schedule-spec.js';
import type { LastFire, ScheduleState } from './schedule-state.js';

export interface ScheduleFireDeps {
  redis: Redis;
  queue: RunQueue;
  gate: Pick<RunGate, 'decide'>;
  store: RunStore;
  audit: AuditLog;
  metrics?: Metrics;
  runbooks: RunbookRegistry;
  state: ScheduleState;
  /** The runbook's declared rate limit is enforced here, with the cluster's cap on automatic runs. */
  breakers: CircuitBreakers;
  cluster: { maxRuns: number; windowMs: number };
  /** Posts a proposal for approval (to the approvals channel), as an alert's run is announced. */
  announceProposal?: (run: RunRecord) => Promise<unknown>;
  logger: Logger;
  now?: () => Date;
}

/** What one fire did on one cluster. */
export interface FireResult extends LastFire {
  cluster: string;
  missedFires?: number;
}

/**
 * One fire of a schedule, on each of its clusters: the same path as any run
 * (params, cluster, policy, approval, rate limit, concurrency key, audit),
 * asked for by the schedule's automation identity. Never stacks: while the
 * previous run of the schedule on a cluster is unfinished (queued, held for
 * approval, running), the fire is skipped. A fire handled more than
 * `catchUpMs` after it was due is missed. Every outcome is audited
 * (`schedule.fired`) and counted (drover_schedule_fires_total).
 */
export class ScheduleFire {
  private readonly now: () => Date;

  constructor(private readonly deps: ScheduleFireDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async fire(spec: ScheduleSpec, scheduledAt: number): Promise<FireResult[]> {
    const targets: Array<string | undefined> = spec.clusters.length ? spec.clusters : [undefined];
    const results: FireResult[] = [];
    for (const target of targets) results.push(await this.fireOn(spec, scheduledAt, target));
    return results;
  }

  private async fireOn(spec: ScheduleSpec, scheduledAt: number, target: string | undefined): Promise<FireResult> {
    const { deps } = this;
    const due = new Date(scheduledAt).toISOString();
    let cluster: string;
    try {
      cluster = await deps.queue.resolveCluster(target);
    } catch (err) {
      return this.record(spec, target ?? 'default', due, { outcome: 'rejected', reason: asDroverError(err).message });
    }
    const lateMs = this.now().getTime() - scheduledAt;
    if (lateMs > spec.catchUpMs) {
      // Fires due while Drover was down collapse into the first; it counts them all.
      const missedFires = Math.max(1, firesBetween(spec.cron, spec.timeZone, new Date(scheduledAt - 1), this.now()));
      const reason = `due ${Math.round(lateMs / 1000)}s ago, later than its catch-up window (${Math.round(spec.catchUpMs / 1000)}s): Drover was not running then`;
      return this.record(spec, cluster, due, { outcome: 'missed', reason }, undefined, missedFires);
    }
    const decided = await withLock(deps.redis, deps.state.lockKey(spec.id, cluster), 60_000, () => this.decide(spec, cluster, scheduledAt, due));
    return decided ?? this.record(spec, cluster, due, { outcome: 'skipped', reason: 'another fire of this schedule was being handled' });
  }

  private async decide(spec: ScheduleSpec, cluster: string, scheduledAt: number, due: string): Promise<FireResult> {
    const { deps } = this;
    const runId = scheduledRunId(spec.id, cluster, scheduledAt);
    const previousId = await deps.state.lastRunId(spec.id, cluster);
    if (previousId && previousId !== runId) {
      const previous = await deps.store.get(previousId);
      if (previous && !isTerminal(previous.state)) {
        return this.record(spec, cluster, due, { outcome: 'skipped', runId: previous.id, reason: `the previous run ${previous.id} is still ${previous.state.replace('_', ' ')}` });
      }
    }
    let prepared;
    try {
      prepared = await deps.queue.prepare({ runbook: spec.runbook, params: spec.params, cluster, requester: scheduleRequester(spec), runId });
    } catch (err) {
      const e = asDroverError(err);
      if (e.retryable) throw e;
      return this.record(spec, cluster, due, { outcome: 'rejected', reason: e.message });
    }
    const decision = await deps.gate.decide(prepared);
    if ('denied' in decision) return this.record(spec, cluster, due, { outcome: 'denied', reason: decision.denied });
    const limited = await this.rateLimited(spec, prepared.record);
    if (limited) return this.record(spec, cluster, due, { outcome: 'limited', reason: limited });
    const run = await deps.queue.submitPrepared(prepared, decision.approval);
    const outcome: ScheduleFireOutcome = decision.approval ? 'proposed' : 'queued';
    if (decision.approval && deps.announceProposal) {
      await deps.announceProposal(run).catch((err: unknown) => deps.logger.warn({ err: asDroverError(err).message, runId: run.id }, 'cannot post the proposal of a scheduled run'));
    }
    return this.record(spec, cluster, due, { outcome, runId: run.id, ...(decision.approval ? { reason: decision.approval.reason } : {}) }, run.id);
  }

  /** The runbook's declared rate limit (per target) and the cluster's cap on automatic runs; undefined when within them. */
  private async rateLimited(spec: ScheduleSpec, record: RunRecord): Promise<string | undefined> {
    const runbook = this.deps.runbooks.get(spec.runbook);
    const limit = runbook.rateLimit;
    if (!limit) return undefined;
    const windowMs = parseDuration(limit.window) ?? 0;
    const [verdict] = await this.deps.breakers.admitMany(
      [
        {
          claimKey: `${this.deps.state.lockKey(spec.id, record.cluster)}:claim:${record.id}`,
          run: {
            cluster: record.cluster,
            runbook: runbook.id,
            target: record.concurrencyKey,
            runId: record.id,
            limits: { maxRuns: limit.maxRuns, windowMs, cooldownMs: limit.cooldown !== undefined ? (parseDuration(limit.cooldown) ?? 0) : 0, clusterMaxRuns: this.deps.cluster.maxRuns, clusterWindowMs: this.deps.cluster.windowMs },
          },
        },
      ],
      { claimMs: Math.max(windowMs, 60_000) },
    );
    const breaker = verdict && !verdict.duplicate ? verdict.breaker : undefined;
    if (!breaker?.open) return undefined;
    return {
      cooldown: `${runbook.id} ran on ${record.concurrencyKey} moments ago (cooldown)`,
      'target-cap': `${runbook.id} already ran ${limit.maxRuns} times on ${record.concurrencyKey} within ${limit.window}`,
      'cluster-cap': `too many automatic runs on cluster ${record.cluster} lately`,
    }[breaker.reason];
  }

  /** Audits, counts and remembers one fire's outcome. */
  private async record(spec: ScheduleSpec, cluster: string, due: string, what: Pick<LastFire, 'outcome' | 'runId' | 'reason'>, startedRun?: string, missedFires?: number): Promise<FireResult> {
    const { deps } = this;
    const fire: LastFire = { scheduledAt: due, at: this.now().toISOString(), ...what };
    await deps.audit.append({
      type: 'schedule.fired',
      schedule: spec.id,
      runbook: spec.runbook,
      cluster,
      scheduledAt: due,
      outcome: what.outcome,
      ...(what.runId ? { runId: what.runId } : {}),
      ...(what.reason ? { reason: what.reason } : {}),
      ...(missedFires ? { missedFires } : {}),
    });
    deps.metrics?.scheduleFires.inc({ runbook: spec.runbook, outcome: what.outcome });
    await deps.state.recordFire(spec.id, cluster, fire, startedRun);
    if (what.outcome === 'denied' || what.outcome === 'rejected') deps.logger.warn({ schedule: spec.id, cluster, reason: what.reason }, `scheduled run ${what.outcome}`);
    return { cluster, ...fire, ...(missedFires ? { missedFires } : {}) };
  }
}
