import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { OutboxEntry } from '../audit/audit-outbox.js';
import type { RemediationResult } from '../audit/events.js';
import { isTerminal, type RunRecord } from '../jobs/run-record.js';
import { formatDuration } from '../config/duration.js';
import type { RunStore } from '../jobs/run-store.js';
import type { Metrics } from '../metrics/metrics.js';
import { withLock } from '../redis-lock.js';
import { describeAlert, type AlertAnnouncer } from './alert-announcer.js';
import { eachBounded } from './each-bounded.js';
import type { WebhookAlert } from './webhook-payload.js';
import type { Silences } from './silences.js';
import { deadline, WatchStore, type Due, type Settlement, type WatchItem, type Watched } from './watch-store.js';

export interface RemediationWatchDeps {
  redis: Redis;
  prefix: string;
  store: RunStore;
  audit: AuditLog;
  metrics: Metrics;
  announcer: () => AlertAnnouncer;
  logger: Logger;
  /** After a successful run, how long the alert has to resolve. */
  watchForMs: number;
  /** Asks Alertmanager whether the alert still fires (undefined: cannot tell); its labels let Alertmanager filter. */
  isFiring?: (fingerprint: string, labels: Record<string, string>) => Promise<boolean | undefined>;
  /** How long markers are kept. */
  retentionMs: number;
  silences?: Silences;
  /**
   * Beyond a run's timeout, when to look at it if nothing woke it (a run's end
   * wakes it at once; this covers a lost wake and a long queue). Default 10 minutes.
   */
  safetyMarginMs?: number;
  /** Due runs read and checked at a time. Default 200. */
  batchSize?: number;
}

/** A sweep stops taking batches after this long, well within its lock's 30 s. */
const SWEEP_BUDGET_MS = 10_000;
const LOCK_MS = 30_000;
/** Alertmanager and Slack calls at a time. */
const CONCURRENCY = 8;

type Conclusion = { watched: Watched; fresh: boolean };

/**
 * Did it work? After an automatic run, waits for its alert to resolve (a
 * resolved notification, or Alertmanager's API) and records `remediated`, or
 * `not-cleared` and escalates. A failed run escalates at once.
 *
 * Driven by times, not by polling: each watched run has a time in the wake set
 * (its safety deadline; "now" once it ends, set by the run store; the end of
 * `watchFor` once it succeeded; "now" when its alert resolves). A sweep reads
 * only what is due, one command when nothing is.
 */
export class RemediationWatch {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private sweeps: Promise<void> = Promise.resolve();
  private readonly watch: WatchStore;
  private readonly marginMs: number;
  private readonly batchSize: number;

  constructor(private readonly deps: RemediationWatchDeps) {
    this.watch = new WatchStore(deps.redis, deps.prefix, deps.retentionMs);
    this.marginMs = deps.safetyMarginMs ?? 10 * 60_000;
    this.batchSize = Math.max(1, deps.batchSize ?? 200);
  }

  /**
   * Watches runs an alert started, in one atomic step for a batch, keeping a
   * silence an earlier delivery recorded for a run; per run, the silence kept
   * (not the one given when the run already had one; none for a run already
   * concluded, which is not watched again).
   */
  async trackMany(items: WatchItem[]): Promise<Array<string | undefined>> {
    return this.watch.track(items, this.marginMs, Date.now());
  }

  /** The silence of each run, if it is watched with one (one round trip). */
  async silenceIds(runIds: string[]): Promise<Array<string | undefined>> {
    return this.watch.silenceIds(runIds);
  }

  /** The alert resolved: recorded, and the runs watching it are due at once. */
  async markResolved(alert: WebhookAlert): Promise<void> {
    await this.watch.markResolved(alert, Date.now());
  }

  /** Sweeps every `intervalMs`, after listing the entries an older Drover left without a time. */
  start(intervalMs = 2000): void {
    void this.adopt().catch((err: unknown) => this.deps.logger.warn({ err }, 'remediation watch: cannot list older entries'));
    this.timer = setInterval(() => {
      if (!this.busy) this.sweep().catch((err: unknown) => this.deps.logger.warn({ err }, 'remediation watch: sweep failed'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Entries written before runs had times (an upgrade): due now. How many. */
  async adopt(now = Date.now()): Promise<number> {
    const adopted = await this.watch.adopt(now);
    if (adopted) this.deps.logger.info({ adopted }, 'remediation watch: scheduled entries an older Drover wrote');
    return adopted;
  }

  /** Checks the runs due by `now`; one that starts while another runs waits for it. */
  sweep(now = Date.now()): Promise<void> {
    const run = this.sweeps.then(() => this.sweepDue(now));
    this.sweeps = run.catch(() => undefined);
    return run;
  }

  private async sweepDue(now: number): Promise<void> {
    this.busy = true;
    try {
      // Nothing due: one command, no lock.
      if (!(await this.watch.due(now, 1)).length) return;
      // One sweeper at a time across Drover instances (older ones included: same lock).
      await withLock(this.deps.redis, this.watch.lockKey, LOCK_MS, async () => {
        const started = Date.now();
        let previous = '';
        while (Date.now() - started < SWEEP_BUDGET_MS) {
          const due = await this.watch.due(now, this.batchSize);
          // The same batch again: nothing of it could be settled (another sweep holds its conclusions).
          const signature = due.map((d) => `${d.runId}@${d.score}`).join(',');
          if (!due.length || signature === previous) return;
          previous = signature;
          await this.checkBatch(due, now);
          if (due.length < this.batchSize) return;
        }
      });
    } finally {
      this.busy = false;
    }
  }

  private async checkBatch(due: Due[], now: number): Promise<void> {
    const entries = await this.watch.entries(due.map((d) => d.runId));
    const settlements: Settlement[] = [];
    const checked: Array<{ due: Due; watched: Watched }> = [];
    const conclusions: Conclusion[] = [];
    due.forEach((d, i) => {
      const watched = entries[i];
      if (!watched) settlements.push({ op: 'drop', due: d });
      // Concluded by a sweep that stopped before escalating and forgetting it: finish that.
      else if (watched.concluded) conclusions.push({ watched, fresh: false });
      else checked.push({ due: d, watched });
    });
    const runs = await this.deps.store.getMany(checked.map((c) => c.watched.runId));
    const ended = checked.flatMap((c, i) => {
      const run = runs[i];
      if (!run) settlements.push({ op: 'forget', watched: c.watched });
      // Not over: a look after its timeout, unless its end wakes it first.
      else if (!isTerminal(run.state)) settlements.push({ op: 'arm', due: c.due, at: deadline(now + run.timeoutMs + this.marginMs) });
      else return [{ ...c, run }];
      return [];
    });
    const resolved = await this.watch.resolved(ended.map((e) => e.watched.alert));
    await eachBounded(ended, CONCURRENCY, async ({ due: d, watched, run }, i) => {
      try {
        const w = await this.unsilence(watched);
        const outcome = await this.judge(w, run, resolved[i] === true, now);
        if (outcome === 'forget') settlements.push({ op: 'forget', watched: w });
        // Succeeded, waiting for its alert: the entry loses the silence it no longer has.
        else if (typeof outcome === 'number') settlements.push({ op: 'arm', due: d, at: outcome, ...(w !== watched ? { entry: w } : {}) });
        else conclusions.push({ watched: { ...w, concluded: outcome }, fresh: true });
      } catch (err) {
        this.deps.logger.warn({ err, runId: run.id }, 'remediation watch: check failed');
      }
    });
    await this.conclude(conclusions, settlements);
  }

  /** The run has ended: its silence goes (once; a failure is logged, the alert then fires again at the silence's end). */
  private async unsilence(watched: Watched): Promise<Watched> {
    if (!watched.silenceId) return watched;
    const { silenceId, ...rest } = watched;
    await this.deps.silences?.expire(silenceId).catch((err: unknown) => this.deps.logger.warn({ err, silenceId }, 'cannot expire the silence'));
    return rest;
  }

  /** What to do with a run that ended: forget it, look again at a time, or a conclusion. */
  private async judge(w: Watched, run: RunRecord, resolved: boolean, now: number): Promise<'forget' | number | NonNullable<Watched['concluded']>> {
    if (run.state !== 'succeeded') {
      // Cancelled because the alert resolved before it started: nothing to report.
      if (run.state === 'cancelled' && resolved) return 'forget';
      return { result: 'run-failed', details: [`Run ${run.id} ${run.state}${run.error ? `: ${run.error.message}` : ''}.`] };
    }
    if (resolved) return { result: 'remediated', details: [] };
    const watchedUntil = Date.parse(run.finishedAt ?? run.createdAt) + this.deps.watchForMs;
    if (now < watchedUntil) return deadline(watchedUntil);
    const firing = await this.deps.isFiring?.(w.alert.fingerprint, w.alert.labels).catch(() => undefined);
    if (firing === false) return { result: 'remediated', details: [] };
    return { result: 'not-cleared', details: [`Run ${run.id} (${w.runbook}) succeeded, but the alert was still firing ${formatDuration(this.deps.watchForMs)} later.`] };
  }

  /**
   * Records conclusions so that a process dying at any point loses none and
   * repeats none in the audit log: first the audit events (in the outbox) with
   * the concluded entry, still due, in one step; then the audit append; then
   * the escalation (repeated by the next sweep if this one dies before the
   * last step); last, the entry, its index and its time go.
   */
  private async conclude(conclusions: Conclusion[], settlements: Settlement[]): Promise<void> {
    const fresh = conclusions.filter((c) => c.fresh);
    const audits = fresh.map((c) => this.auditOf(c.watched));
    const recorded = await this.watch.conclude(
      fresh.map((c, i) => ({ watched: c.watched, audit: audits[i] ?? [] })),
      this.deps.audit.outbox.key,
      Date.now(),
    );
    const delivered = audits.filter((_, i) => recorded[i]).flat();
    if (delivered.length) {
      await this.deps.audit.appendMany(delivered.map((entry) => entry.event));
      await this.deps.redis.hdel(this.deps.audit.outbox.key, ...delivered.map((entry) => entry.field));
    }
    const finishing = [...conclusions.filter((c) => !c.fresh), ...fresh.filter((_, i) => recorded[i])];
    // Refused: the run was concluded already (by a sweep that finishes it, or before an older Drover watched it again).
    const refused = fresh.filter((_, i) => !recorded[i]).map((c): Settlement => ({ op: 'forget', watched: c.watched }));
    await eachBounded(finishing, CONCURRENCY, async ({ watched }) => {
      const { result, details } = watched.concluded!;
      this.deps.metrics.remediations.inc({ runbook: watched.runbook, result });
      if (result === 'remediated') return;
      await this.deps
        .announcer()
        .escalate(watched.alert, this.headline(watched.alert, result), details)
        .catch((err: unknown) => this.deps.logger.warn({ err }, 'cannot escalate'));
    });
    await this.watch.settle([...settlements, ...refused, ...finishing.map((c): Settlement => ({ op: 'forget', watched: c.watched }))]);
  }

  private headline(alert: WebhookAlert, result: RemediationResult): string {
    return result === 'run-failed' ? `${describeAlert(alert)}: remediation failed` : `${describeAlert(alert)}: remediation did not clear the alert`;
  }

  /** The audit events of a conclusion, under fields that name the run: written once (see WatchStore.conclude). */
  private auditOf(w: Watched): OutboxEntry[] {
    const { result, details } = w.concluded!;
    const alertname = w.alert.labels.alertname ?? '';
    const entries: OutboxEntry[] = [
      { field: `alert.remediation ${w.runId}`, event: { type: 'alert.remediation', fingerprint: w.alert.fingerprint, alertname, runId: w.runId, result } },
    ];
    if (result !== 'remediated') {
      const reason = details[0] ?? this.headline(w.alert, result);
      entries.push({ field: `alert.escalated ${w.runId}`, event: { type: 'alert.escalated', fingerprint: w.alert.fingerprint, alertname, reason, runId: w.runId } });
    }
    return entries;
  }
}
