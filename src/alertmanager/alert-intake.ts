import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { AlertOutcome } from '../audit/events.js';
import { asDroverError } from '../errors.js';
import type { RunQueue } from '../jobs/run-queue.js';
import type { RunStore } from '../jobs/run-store.js';
import type { Metrics } from '../metrics/metrics.js';
import { parseDuration } from '../config/duration.js';
import { needsApproval } from '../runbook/approval.js';
import { parseParams } from '../runbook/params.js';
import { describeAlert, type AlertAnnouncer } from './alert-announcer.js';
import { paramsFromAlert, type AlertRoute, type AlertRoutes } from './alert-routes.js';
import type { CircuitBreakers } from './circuit-breaker.js';
import type { RemediationWatch } from './remediation-watch.js';
import type { Silences } from './silences.js';
import type { WebhookAlert, WebhookPayload } from './webhook-payload.js';

export interface AlertIntakeSettings {
  clusterLabel: string;
  defaultMaxRuns: number;
  defaultWindowMs: number;
  defaultCooldownMs: number;
  clusterMaxRuns: number;
  clusterWindowMs: number;
  /** How long deduplication remembers an alert. */
  retentionMs: number;
  /** Alerts processed at once within one webhook. */
  concurrency?: number;
}

export interface AlertIntakeDeps {
  routes: AlertRoutes;
  queue: RunQueue;
  store: RunStore;
  audit: AuditLog;
  metrics: Metrics;
  redis: Redis;
  prefix: string;
  breakers: CircuitBreakers;
  watch: RemediationWatch;
  /** A getter: the chat announcer may start after the intake is built. */
  announcer: () => AlertAnnouncer;
  logger: Logger;
  settings: AlertIntakeSettings;
  /** Alertmanager silences, when Alertmanager's URL is configured. */
  silences?: Silences;
}

/** The run of one runbook for one firing of one alert: a repeat or a redelivery maps to the same id. */
export function alertRunId(runbook: string, fingerprint: string, startsAt: string): string {
  return `a${createHash('sha256').update(`${runbook}|${fingerprint}|${Date.parse(startsAt)}`).digest('hex').slice(0, 20)}`;
}

// When an alert triggers several runbooks, its outcome is the most consequential one.
const PRIORITY: AlertOutcome[] = ['enqueued', 'approval_required', 'breaker_open', 'rejected', 'deduplicated'];

interface RouteResult {
  outcome: AlertOutcome;
  runId?: string;
  reason?: string;
}

/**
 * Turns Alertmanager notifications into runs: matching, mapping labels to
 * params, exactly one run per firing, cancelling runs of resolved alerts that
 * have not started, circuit breakers, and escalation to people.
 */
export class AlertIntake {
  constructor(private readonly deps: AlertIntakeDeps) {}

  /** Processes a payload; every alert ends in exactly one outcome, counted and audited. */
  async receive(payload: WebhookPayload): Promise<Record<AlertOutcome, number>> {
    const counts: Record<AlertOutcome, number> = {
      enqueued: 0,
      deduplicated: 0,
      unmatched: 0,
      breaker_open: 0,
      approval_required: 0,
      resolved: 0,
      rejected: 0,
    };
    const alerts = payload.alerts;
    let next = 0;
    const worker = async () => {
      while (next < alerts.length) {
        const alert = alerts[next++] as WebhookAlert;
        const outcome = await this.one(alert);
        counts[outcome]++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(alerts.length, this.deps.settings.concurrency ?? 32) }, worker));
    if (payload.truncatedAlerts > 0) {
      this.deps.logger.warn({ truncated: payload.truncatedAlerts, groupKey: payload.groupKey }, 'Alertmanager truncated this notification (max_alerts); those alerts were not seen');
    }
    return counts;
  }

  private async one(alert: WebhookAlert): Promise<AlertOutcome> {
    const { audit, metrics } = this.deps;
    const routes = this.deps.routes.match(alert);
    let results: RouteResult[];
    if (alert.status === 'resolved') {
      results = [{ outcome: 'resolved' }];
      await this.resolved(alert, routes);
    } else if (!routes.length) {
      results = [{ outcome: 'unmatched' }];
      if (await this.firstTime(`unmatched:${alert.fingerprint}:${Date.parse(alert.startsAt)}`)) {
        await this.deps.announcer().unmatched(alert).catch((err: unknown) => this.deps.logger.warn({ err }, 'cannot post an unmatched alert'));
      }
    } else {
      results = [];
      for (const route of routes) results.push(await this.fire(alert, route));
    }
    const outcome: AlertOutcome = PRIORITY.find((o) => results.some((r) => r.outcome === o)) ?? results[0]?.outcome ?? 'rejected';
    const reason = results.find((r) => r.outcome === outcome)?.reason;
    metrics.alerts.inc({ outcome });
    await audit.append({
      type: 'alert.received',
      fingerprint: alert.fingerprint,
      alertname: alert.labels.alertname ?? '',
      status: alert.status,
      startsAt: alert.startsAt,
      outcome,
      runIds: results.map((r) => r.runId).filter((id): id is string => Boolean(id)),
      ...(reason ? { reason } : {}),
    });
    return outcome;
  }

  private async firstTime(key: string): Promise<boolean> {
    return (await this.deps.redis.set(`${this.deps.prefix}:alert:${key}`, '1', 'PX', this.deps.settings.retentionMs, 'NX')) === 'OK';
  }

  private async fire(alert: WebhookAlert, route: AlertRoute): Promise<RouteResult> {
    const { runbook } = route;
    const runId = alertRunId(runbook.id, alert.fingerprint, alert.startsAt);
    const claimKey = `claim:${runId}`;
    // Anything that ends here without a run still claims the firing, so its repeats count as duplicates.
    const endWithoutRun = async (result: RouteResult): Promise<RouteResult> =>
      (await this.firstTime(claimKey)) ? result : { outcome: 'deduplicated', runId };

    let params: Record<string, unknown>;
    try {
      params = parseParams(runbook, paramsFromAlert(route.trigger, alert));
    } catch (err) {
      return endWithoutRun({ outcome: 'rejected', reason: asDroverError(err).message });
    }
    let clusterName: string;
    try {
      clusterName = await this.deps.queue.resolveCluster(alert.labels[this.deps.settings.clusterLabel]);
    } catch (err) {
      return endWithoutRun({ outcome: 'rejected', reason: asDroverError(err).message });
    }
    if (needsApproval(runbook, false)) {
      const reason = `${runbook.id} needs approval before it runs; run it by hand after review.`;
      const result = await endWithoutRun({ outcome: 'approval_required', reason });
      if (result.outcome === 'approval_required') await this.escalate(alert, `${describeAlert(alert)}: not remediated automatically`, [reason]);
      return result;
    }
    let target = runbook.id;
    try {
      target = runbook.concurrencyKey ? runbook.concurrencyKey(params) : runbook.id;
    } catch {
      // The queue reports this as an invalid runbook when it submits.
    }
    const limits = {
      maxRuns: runbook.rateLimit?.maxRuns ?? this.deps.settings.defaultMaxRuns,
      windowMs: runbook.rateLimit ? (parseDuration(runbook.rateLimit.window) ?? this.deps.settings.defaultWindowMs) : this.deps.settings.defaultWindowMs,
      cooldownMs:
        runbook.rateLimit?.cooldown !== undefined ? (parseDuration(runbook.rateLimit.cooldown) ?? 0) : runbook.rateLimit ? 0 : this.deps.settings.defaultCooldownMs,
      clusterMaxRuns: this.deps.settings.clusterMaxRuns,
      clusterWindowMs: this.deps.settings.clusterWindowMs,
    };
    // Claim and breaker in one atomic step: one round trip per alert on the hot path of a storm.
    const verdict = await this.deps.breakers.admit(clusterName, runbook.id, target, runId, limits, {
      claim: { key: `${this.deps.prefix}:alert:${claimKey}`, ms: this.deps.settings.retentionMs },
    });
    if ('duplicate' in verdict) return { outcome: 'deduplicated', runId };
    if (verdict.open) {
      const why = {
        cooldown: `${runbook.id} ran on ${target} moments ago (cooldown)`,
        'target-cap': `${runbook.id} already ran ${limits.maxRuns} times on ${target} within ${Math.round(limits.windowMs / 60_000)} min`,
        'cluster-cap': `${limits.clusterMaxRuns} automatic runs on cluster ${clusterName} within ${Math.round(limits.clusterWindowMs / 60_000)} min`,
      }[verdict.reason];
      const history = await Promise.all(verdict.recent.map(async ({ runId: id, at }) => `${new Date(at).toISOString()} run ${id}: ${(await this.deps.store.get(id))?.state ?? 'expired'}`));
      await this.escalate(alert, `${describeAlert(alert)}: circuit breaker open, not remediated`, [why, ...history]);
      return { outcome: 'breaker_open', reason: why };
    }
    try {
      const run = await this.deps.queue.submit({
        runbook: runbook.id,
        params,
        cluster: clusterName,
        requester: { kind: 'alert', id: alert.fingerprint, name: alert.labels.alertname ?? 'alert' },
        runId,
      });
      const silenceId = route.trigger.silence ? await this.silence(alert, run.id, run.timeoutMs) : undefined;
      await this.deps.watch.track(run.id, runbook.id, alert, silenceId);
      await this.deps.announcer().announceRun(run, alert).catch((err: unknown) => this.deps.logger.warn({ err, runId }, 'cannot announce an automatic run'));
      return { outcome: 'enqueued', runId };
    } catch (err) {
      const e = asDroverError(err);
      if (e.retryable) {
        // Let Alertmanager deliver it again: forget the claim so the retry is not a duplicate,
        // and the breaker slot, so a run that never started does not count against the target.
        await this.deps.redis.del(`${this.deps.prefix}:alert:${claimKey}`);
        await this.deps.breakers.release(clusterName, runbook.id, target, runId);
        throw e;
      }
      return { outcome: 'rejected', reason: e.message };
    }
  }

  private async silence(alert: WebhookAlert, runId: string, timeoutMs: number): Promise<string | undefined> {
    if (!this.deps.silences) {
      this.deps.logger.warn({ runId }, 'the runbook asks to silence its alert, but alerts.alertmanagerUrl is not set');
      return undefined;
    }
    // Retries and the queue wait are part of a run's life: a margin beyond its timeout.
    return this.deps.silences
      .silence(alert, runId, timeoutMs + 10 * 60_000)
      .catch((err: unknown) => {
        this.deps.logger.warn({ err: asDroverError(err).message, runId }, 'cannot silence the alert; the run goes on');
        return undefined;
      });
  }

  private async resolved(alert: WebhookAlert, routes: AlertRoute[]): Promise<void> {
    await this.deps.watch.markResolved(alert);
    for (const route of routes) {
      const runId = alertRunId(route.runbook.id, alert.fingerprint, alert.startsAt);
      const run = await this.deps.store.get(runId);
      if (run?.state !== 'queued') continue;
      await this.deps.queue
        .cancel(runId, { kind: 'alert', id: alert.fingerprint, name: `${alert.labels.alertname ?? 'alert'} resolved` })
        .catch((err: unknown) => this.deps.logger.info({ err: asDroverError(err).message, runId }, 'resolved alert: run could not be cancelled'));
    }
  }

  private async escalate(alert: WebhookAlert, headline: string, details: string[]): Promise<void> {
    await this.deps.audit.append({ type: 'alert.escalated', fingerprint: alert.fingerprint, alertname: alert.labels.alertname ?? '', reason: details[0] ?? headline });
    await this.deps.announcer().escalate(alert, headline, details).catch((err: unknown) => this.deps.logger.warn({ err }, 'cannot escalate an alert'));
  }
}
