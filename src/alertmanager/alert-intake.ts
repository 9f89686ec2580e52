import { FLEET_CLUSTER_NAME, fleetRunId } from '../fleet/names.js';
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { AlertOutcome, AuditEventBody } from '../audit/events.js';
import { DroverError, asDroverError } from '../errors.js';
import type { ApprovalRequest, PreparedRun, RunQueue } from '../jobs/run-queue.js';
import { isHeld, type RunRecord } from '../jobs/run-record.js';
import type { RunStore } from '../jobs/run-store.js';
import type { Metrics } from '../metrics/metrics.js';
import { parseDuration } from '../config/duration.js';
import type { RunGate } from '../approvals/run-gate.js';
import type { Runbook } from '../runbook/types.js';
import { describeAlert, type AlertAnnouncer } from './alert-announcer.js';
import { paramsFromAlert, type AlertRoute, type AlertRoutes } from './alert-routes.js';
import { coerceTextParams } from '../runbook/params.js';
import type { BatchVerdict, BreakerLimits, CircuitBreakers } from './circuit-breaker.js';
import { eachBounded } from './each-bounded.js';
import type { RemediationWatch } from './remediation-watch.js';
import type { Silences } from './silences.js';
import { trackRuns } from './track-runs.js';
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
  /** Alerts of one webhook handled together, each step for all of them at once; a larger webhook is taken in several batches. */
  batchSize?: number;
  /** Per-alert side effects (silences, cancellations, chat posts) under way at once within a batch. */
  concurrency?: number;
  /**
   * How long a delivery that decided outcomes has to record them (default 60 s). Its claims are
   * pending again after that, should it have died first; repeats meanwhile are duplicates.
   */
  decisionLeaseMs?: number;
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
  /** The policy's gate: whether automation (principal `alertmanager`) may run a runbook, and whether it needs approval. */
  gate: Pick<RunGate, 'decide'>;
}

/** The run of one runbook for one firing of one alert: a repeat or a redelivery maps to the same id. */
export function alertRunId(runbook: string, fingerprint: string, startsAt: string): string {
  return `a${createHash('sha256').update(`${runbook}|${fingerprint}|${Date.parse(startsAt)}`).digest('hex').slice(0, 20)}`;
}

// When an alert triggers several runbooks, its outcome is the most consequential one.
/** How long the webhook's answer waits for chat posts before leaving them to finish in the background. */
const ANNOUNCE_WAIT_MS = 2000;

const PRIORITY: AlertOutcome[] = ['enqueued', 'approval_required', 'breaker_open', 'denied', 'rejected', 'deduplicated'];

interface RouteResult {
  outcome: AlertOutcome;
  runId?: string;
  reason?: string;
}

/** One runbook triggered by one firing alert, as it goes through a batch. */
interface Firing {
  alert: WebhookAlert;
  route: AlertRoute;
  runId: string;
  claimKey: string;
  /** Why it ends without a run, known before the breaker: its outcome, unless it is a duplicate. */
  end?: RouteResult;
  run?: PreparedRun;
  /** Set when the policy holds this run for approval: it is proposed, not queued. */
  approval?: ApprovalRequest;
  verdict?: BatchVerdict;
  result?: RouteResult;
  escalation?: { headline: string; details: string[] };
}

const zeroCounts = (): Record<AlertOutcome, number> => ({
  enqueued: 0,
  deduplicated: 0,
  unmatched: 0,
  breaker_open: 0,
  approval_required: 0,
  denied: 0,
  resolved: 0,
  rejected: 0,
});

/**
 * Turns Alertmanager notifications into runs: matching, mapping labels to
 * params, exactly one run per firing, cancelling runs of resolved alerts that
 * have not started, circuit breakers, and escalation to people.
 *
 * A webhook's alerts are handled as a batch, a few Redis steps for all of
 * them (an alert storm arrives as large notifications): validation, then
 * claims and breakers in one atomic step, the runs, then the outcomes. Claims
 * stay pending until the outcomes are recorded, so a delivery that fails
 * midway (answered 5xx) is completed by Alertmanager's retry, never mistaken
 * for a duplicate; and one delivery only decides and records each outcome.
 */
export class AlertIntake {
  private readonly limitsByRunbook = new WeakMap<Runbook, BreakerLimits>();

  constructor(private readonly deps: AlertIntakeDeps) {}

  /** Processes a payload; every alert ends in exactly one outcome, counted and audited. */
  async receive(payload: WebhookPayload): Promise<Record<AlertOutcome, number>> {
    const counts = zeroCounts();
    const size = Math.max(1, this.deps.settings.batchSize ?? 500);
    for (let i = 0; i < payload.alerts.length; i += size) {
      for (const outcome of await this.batch(payload.alerts.slice(i, i + size))) counts[outcome]++;
    }
    if (payload.truncatedAlerts > 0) {
      this.deps.logger.warn({ truncated: payload.truncatedAlerts, groupKey: payload.groupKey }, 'Alertmanager truncated this notification (max_alerts); those alerts were not seen');
    }
    return counts;
  }

  private async batch(alerts: WebhookAlert[]): Promise<AlertOutcome[]> {
    const { deps } = this;
    const claimMs = deps.settings.retentionMs;
    const routes = alerts.map((alert) => deps.routes.match(alert));
    const firings: Firing[][] = alerts.map((alert, i) =>
      alert.status === 'firing'
        ? (routes[i] ?? []).map((route) => {
            const runId = alertRunId(route.runbook.id, alert.fingerprint, alert.startsAt);
            return { alert, route, runId, claimKey: `${deps.prefix}:alert:claim:${runId}` };
          })
        : [],
    );
    const all = firings.flat();
    await this.prepare(all);
    // The id the run has: on an agent cluster it carries the cluster (fleetRunId).
    for (const f of all) if (f.run) f.runId = f.run.record.id;

    const unmatched = alerts.filter((alert, i) => alert.status === 'firing' && !routes[i]?.length);
    const resolved = alerts.flatMap((alert, i) => (alert.status === 'resolved' ? [{ alert, routes: routes[i] ?? [] }] : []));
    const [verdicts] = await Promise.all([
      deps.breakers.admitMany(
        all.map((f) => ({
          claimKey: f.claimKey,
          ...(f.run ? { run: { cluster: f.run.record.cluster, runbook: f.route.runbook.id, target: f.run.record.concurrencyKey, runId: f.runId, limits: this.limits(f.route.runbook) } } : {}),
        })),
        { claimMs },
      ),
      this.resolved(resolved),
    ]);
    all.forEach((f, i) => (f.verdict = verdicts[i]));

    const admitted = all.filter((f) => f.verdict && !f.verdict.duplicate && f.verdict.breaker?.open === false);
    const runs = await this.start(admitted);
    // Before the outcomes are decided, so that a failed delivery's retry does it.
    await trackRuns(
      { watch: deps.watch, ...(deps.silences ? { silences: deps.silences } : {}), logger: deps.logger, concurrency: deps.settings.concurrency ?? 32 },
      admitted.flatMap((f, i) => (runs[i] ? [{ run: runs[i], runbook: f.route.runbook.id, alert: f.alert, silence: Boolean(f.route.trigger.silence) }] : [])),
    );

    // One delivery decides each outcome: the first to get here; for the others it is a duplicate.
    const claimed = all.filter((f) => f.verdict && !f.verdict.duplicate);
    const decision = await deps.breakers.decide(
      claimed.map((f) => f.claimKey),
      { claimMs, leaseMs: Math.max(1, deps.settings.decisionLeaseMs ?? 60_000) },
    );
    claimed.forEach((f, i) => {
      if (decision.late[i]) f.verdict = { duplicate: true };
    });
    const outcomes = await this.record(alerts, routes, firings).catch(async (err: unknown) => {
      // Nothing recorded: the claims go back to pending so that Alertmanager's retry records them.
      await deps.breakers.release(decision, claimMs).catch((e: unknown) => deps.logger.warn({ err: e }, 'cannot release claims; they are pending again once their lease lapses'));
      throw err;
    });
    // Settled only once recorded; the delivery is complete even if this fails (the repeats within the lease are duplicates).
    await deps.breakers.commit(decision, claimMs).catch((err: unknown) => deps.logger.warn({ err }, 'cannot settle recorded alert outcomes'));

    // Chat last: posts are best effort, and only the delivery that decided a firing makes them
    // (an unmatched alert: the first delivery that recorded it).
    const announcer = deps.announcer();
    const warn = (what: string) => (err: unknown) => deps.logger.warn({ err }, what);
    const firstUnmatched = await this.firstTimes(unmatched.map((alert) => `unmatched:${alert.fingerprint}:${Date.parse(alert.startsAt)}`)).catch((err: unknown) => {
      warn('cannot tell which unmatched alerts are new; not posting them')(err);
      return [];
    });
    const posts = Promise.all([
      this.each(admitted, (f, i) =>
        f.result?.outcome === 'enqueued' || f.result?.outcome === 'approval_required'
          ? announcer.announceRun(runs[i] as RunRecord, f.alert).catch(warn('cannot announce an automatic run'))
          : undefined,
      ),
      this.each(all, (f) => (f.escalation ? announcer.escalate(f.alert, f.escalation.headline, f.escalation.details).catch(warn('cannot escalate an alert')) : undefined)),
      this.each(unmatched, (alert, i) => (firstUnmatched[i] ? announcer.unmatched(alert).catch(warn('cannot post an unmatched alert')) : undefined)),
    ]).catch(warn('cannot post the alert announcements'));
    // A slow or absent Slack (429s, an outage the client retries for minutes) must not hold the
    // webhook's answer past Alertmanager's timeout: wait a little, then let the posts finish on their own.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([posts, new Promise<void>((resolve) => (timer = setTimeout(resolve, ANNOUNCE_WAIT_MS)))]).finally(() => clearTimeout(timer));
    return outcomes;
  }

  /** Each alert's outcome, from its firings' results: audited, then counted. */
  private async record(alerts: WebhookAlert[], routes: AlertRoute[][], firings: Firing[][]): Promise<AlertOutcome[]> {
    const { deps } = this;
    await this.results(firings.flat());
    const events: AuditEventBody[] = [];
    const outcomes = alerts.map((alert, i): AlertOutcome => {
      const results: RouteResult[] =
        alert.status === 'resolved' ? [{ outcome: 'resolved' }] : routes[i]?.length ? (firings[i] ?? []).map((f) => f.result as RouteResult) : [{ outcome: 'unmatched' }];
      const outcome: AlertOutcome = PRIORITY.find((o) => results.some((r) => r.outcome === o)) ?? results[0]?.outcome ?? 'rejected';
      const reason = results.find((r) => r.outcome === outcome)?.reason;
      const alertname = alert.labels.alertname ?? '';
      for (const f of firings[i] ?? []) {
        if (f.escalation) events.push({ type: 'alert.escalated', fingerprint: alert.fingerprint, alertname, reason: f.escalation.details[0] ?? f.escalation.headline });
      }
      events.push({
        type: 'alert.received',
        fingerprint: alert.fingerprint,
        alertname,
        status: alert.status,
        startsAt: alert.startsAt,
        outcome,
        runIds: results.map((r) => r.runId).filter((id): id is string => Boolean(id)),
        ...(reason ? { reason } : {}),
      });
      return outcome;
    });
    await deps.audit.appendMany(events);
    const counts = zeroCounts();
    for (const outcome of outcomes) counts[outcome]++;
    for (const [outcome, n] of Object.entries(counts)) if (n) deps.metrics.alerts.inc({ outcome }, n);
    return outcomes;
  }

  /** Validates each firing's run; one that cannot run ends here (claimed all the same, so its repeats count as duplicates). */
  private async prepare(all: Firing[]): Promise<void> {
    const { deps } = this;
    const candidates: Firing[] = [];
    const requests = [];
    for (const f of all) {
      let params: Record<string, unknown>;
      try {
        // Labels are text: "3" fills an integer param as it would on the command line.
        params = coerceTextParams(f.route.runbook, paramsFromAlert(f.route.trigger, f.alert));
      } catch (err) {
        f.end = { outcome: 'rejected', reason: asDroverError(err).message };
        continue;
      }
      candidates.push(f);
      requests.push({
        runbook: f.route.runbook.id,
        params,
        cluster: f.alert.labels[deps.settings.clusterLabel],
        requester: { kind: 'alert' as const, id: f.alert.fingerprint, name: f.alert.labels.alertname ?? 'alert' },
        runId: f.runId,
      });
    }
    const prepared = await deps.queue.prepareMany(requests);
    await Promise.all(
      candidates.map(async (f, i) => {
        const run = prepared[i];
        if (run instanceof DroverError || run === undefined) {
          f.end = { outcome: 'rejected', reason: run?.message ?? 'not validated' };
          return;
        }
        // The same gate as people's runs; automation is the policy's `alertmanager`.
        const decision = await deps.gate.decide(run);
        if ('denied' in decision) {
          f.end = { outcome: 'denied', reason: decision.denied };
          return;
        }
        f.run = run;
        if (decision.approval) f.approval = decision.approval;
      }),
    );
  }

  /**
   * Queues the admitted runs in bulk; those the policy holds for approval are
   * proposed instead (planned by a worker, then approved from the announcement).
   */
  private async start(admitted: Firing[]): Promise<RunRecord[]> {
    const queued = admitted.filter((f) => !f.approval);
    const records = new Map<Firing, RunRecord>();
    const runs = await this.deps.queue.enqueueMany(queued.map((f) => f.run as PreparedRun));
    queued.forEach((f, i) => records.set(f, runs[i] as RunRecord));
    await this.each(
      admitted.filter((f) => f.approval),
      async (f) => {
        records.set(f, await this.deps.queue.submitPrepared(f.run as PreparedRun, f.approval));
      },
    );
    return admitted.map((f) => records.get(f) as RunRecord);
  }

  /** Each firing's result once its claim is settled, and what to escalate to people. */
  private async results(all: Firing[]): Promise<void> {
    const open = all.flatMap((f) => (f.verdict && !f.verdict.duplicate && f.verdict.breaker?.open ? [f.verdict.breaker] : []));
    const ids = [...new Set(open.flatMap((b) => b.recent.map((r) => r.runId)))];
    const records = await this.deps.store.getMany(ids);
    const history = new Map(ids.map((id, i) => [id, records[i]]));
    for (const f of all) {
      const { alert, route, runId, verdict } = f;
      const runbook = route.runbook;
      if (!verdict || verdict.duplicate) {
        f.result = { outcome: 'deduplicated', runId };
      } else if (f.end) {
        f.result = f.end;
        if (f.end.outcome === 'denied') f.escalation = { headline: `${describeAlert(alert)}: the policy does not let automation fix it`, details: [f.end.reason ?? ''] };
      } else if (verdict.breaker?.open) {
        const breaker = verdict.breaker;
        const limits = this.limits(runbook);
        const target = f.run?.record.concurrencyKey ?? runbook.id;
        const clusterName = f.run?.record.cluster ?? '';
        const why = {
          cooldown: `${runbook.id} ran on ${target} moments ago (cooldown)`,
          'target-cap': `${runbook.id} already ran ${limits.maxRuns} times on ${target} within ${Math.round(limits.windowMs / 60_000)} min`,
          'cluster-cap': `${limits.clusterMaxRuns} automatic runs on cluster ${clusterName} within ${Math.round(limits.clusterWindowMs / 60_000)} min`,
        }[breaker.reason];
        const past = breaker.recent.map(({ runId: id, at }) => `${new Date(at).toISOString()} run ${id}: ${history.get(id)?.state ?? 'expired'}`);
        f.result = { outcome: 'breaker_open', reason: why };
        f.escalation = { headline: `${describeAlert(alert)}: circuit breaker open, not remediated`, details: [why, ...past] };
      } else if (f.approval) {
        f.result = { outcome: 'approval_required', runId, reason: f.approval.reason };
      } else {
        f.result = { outcome: 'enqueued', runId };
      }
    }
  }

  private limits(runbook: Runbook): BreakerLimits {
    let limits = this.limitsByRunbook.get(runbook);
    if (!limits) {
      const s = this.deps.settings;
      limits = {
        maxRuns: runbook.rateLimit?.maxRuns ?? s.defaultMaxRuns,
        windowMs: runbook.rateLimit ? (parseDuration(runbook.rateLimit.window) ?? s.defaultWindowMs) : s.defaultWindowMs,
        cooldownMs: runbook.rateLimit?.cooldown !== undefined ? (parseDuration(runbook.rateLimit.cooldown) ?? 0) : runbook.rateLimit ? 0 : s.defaultCooldownMs,
        clusterMaxRuns: s.clusterMaxRuns,
        clusterWindowMs: s.clusterWindowMs,
      };
      this.limitsByRunbook.set(runbook, limits);
    }
    return limits;
  }

  /** Per key, whether this is its first time (SET NX), in one round trip. */
  private async firstTimes(keys: string[]): Promise<boolean[]> {
    if (!keys.length) return [];
    const pipeline = this.deps.redis.pipeline();
    for (const key of keys) pipeline.set(`${this.deps.prefix}:alert:${key}`, '1', 'PX', this.deps.settings.retentionMs, 'NX');
    const replies = (await pipeline.exec()) ?? [];
    return keys.map((_, i) => {
      const [err, reply] = replies[i] ?? [new Error('no reply from Redis')];
      if (err) throw err;
      return reply === 'OK';
    });
  }

  /**
   * Resolved alerts: marked for the remediation watch, then their runs that have never started are
   * cancelled. A run between two attempts (running → queued) has started, perhaps changed things:
   * it goes on, and the watch records whether it remediated.
   */
  private async resolved(alerts: Array<{ alert: WebhookAlert; routes: AlertRoute[] }>): Promise<void> {
    if (!alerts.length) return;
    await this.each(alerts, ({ alert }) => this.deps.watch.markResolved(alert));
    const clusterLabel = this.deps.settings.clusterLabel;
    const candidates = alerts.flatMap(({ alert, routes }) =>
      routes.flatMap((route) => {
        const runId = alertRunId(route.runbook.id, alert.fingerprint, alert.startsAt);
        // On an agent cluster the run's id carries the cluster (fleetRunId); either may exist.
        const cluster = alert.labels[clusterLabel];
        const ids = cluster && FLEET_CLUSTER_NAME.test(cluster) ? [runId, fleetRunId(cluster, runId)] : [runId];
        return ids.map((id) => ({ alert, runId: id }));
      }),
    );
    const runs = await this.deps.store.getMany(candidates.map((c) => c.runId));
    await this.each(
      candidates.filter((_, i) => {
        const run = runs[i];
        return run !== undefined && !run.startedAt && (run.state === 'queued' || isHeld(run.state));
      }),
      ({ alert, runId }) =>
        this.deps.queue
          .cancel(runId, { kind: 'alert', id: alert.fingerprint, name: `${alert.labels.alertname ?? 'alert'} resolved` }, { unstartedOnly: true })
          .then(() => undefined)
          .catch((err: unknown) => this.deps.logger.info({ err: asDroverError(err).message, runId }, 'resolved alert: run could not be cancelled')),
    );
  }

  /** Calls `fn` for each item, a bounded number at a time. */
  private each<T>(items: T[], fn: (item: T, index: number) => Promise<unknown> | undefined): Promise<void> {
    return eachBounded(items, this.deps.settings.concurrency ?? 32, fn);
  }
}
