import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { RemediationResult } from '../audit/events.js';
import { isTerminal, type RunRecord } from '../jobs/run-record.js';
import { formatDuration } from '../config/duration.js';
import type { RunStore } from '../jobs/run-store.js';
import type { Metrics } from '../metrics/metrics.js';
import { describeAlert, type AlertAnnouncer } from './alert-announcer.js';
import type { WebhookAlert } from './webhook-payload.js';
import type { Silences } from './silences.js';
import { RedisScript } from '../redis-script.js';
import { withLock } from '../redis-lock.js';

// Writes watch entries, ARGV[1] a JSON array of [runId, entry (JSON without
// silenceId), silenceId or ''], keeping the silence an earlier write recorded
// for a run, else taking the one given. Answers, per run, the silence kept.
// Atomic, so two deliveries tracking one run at once cannot drop a silence.
const TRACK_MANY = new RedisScript(`
local out = {}
for i, item in ipairs(cjson.decode(ARGV[1])) do
  local runId, entry, kept = item[1], item[2], item[3]
  local previous = redis.call('HGET', KEYS[1], runId)
  if previous then
    local old = cjson.decode(previous).silenceId
    if type(old) == 'string' and old ~= '' then kept = old end
  end
  if kept ~= '' then entry = string.sub(entry, 1, -2) .. ',"silenceId":' .. cjson.encode(kept) .. '}' end
  redis.call('HSET', KEYS[1], runId, entry)
  out[i] = kept
end
return out
`);

interface Watched {
  runId: string;
  runbook: string;
  alert: WebhookAlert;
  silenceId?: string;
}

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
}

/**
 * Did it work? After an automatic run, waits for its alert to resolve (a
 * resolved notification, or Alertmanager's API) and records `remediated`, or
 * `not-cleared` and escalates. A failed run escalates at once.
 */
export class RemediationWatch {
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;

  constructor(private readonly deps: RemediationWatchDeps) {}

  private get key(): string {
    return `${this.deps.prefix}:alerts:watch`;
  }

  private resolvedKey(alert: { fingerprint: string; startsAt: string }): string {
    return `${this.deps.prefix}:alert:resolved:${alert.fingerprint}:${Date.parse(alert.startsAt)}`;
  }

  /**
   * Watches a run. Tracking it again (a retried or concurrent delivery) keeps
   * the silence recorded first; answers the run's silence, which is then not
   * `silenceId` when it already had one.
   */
  /**
   * Watches runs an alert started, in one atomic step for a batch, keeping a
   * silence an earlier delivery recorded for a run; per run, the silence kept.
   */
  async trackMany(items: Array<{ runId: string; runbook: string; alert: WebhookAlert; silenceId?: string }>): Promise<Array<string | undefined>> {
    if (!items.length) return [];
    const args = items.map(({ runId, runbook, alert, silenceId }) => [runId, JSON.stringify({ runId, runbook, alert } satisfies Watched), silenceId ?? '']);
    const kept = (await TRACK_MANY.run(this.deps.redis, [this.key], [JSON.stringify(args)])) as string[];
    return kept.map((id) => id || undefined);
  }

  /** The silence of each run, if it is watched with one (one round trip). */
  async silenceIds(runIds: string[]): Promise<Array<string | undefined>> {
    if (!runIds.length) return [];
    const entries = await this.deps.redis.hmget(this.key, ...runIds);
    return entries.map((raw) => (raw ? (JSON.parse(raw) as Watched).silenceId : undefined));
  }

  async markResolved(alert: WebhookAlert): Promise<void> {
    await this.deps.redis.set(this.resolvedKey(alert), new Date().toISOString(), 'PX', this.deps.retentionMs);
  }

  start(intervalMs = 2000): void {
    this.timer = setInterval(() => void this.sweep(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Checks every watched run once; exposed for tests. */
  async sweep(now = Date.now()): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      // One sweeper at a time across Drover instances.
      await withLock(this.deps.redis, `${this.key}:lock`, 30_000, async () => {
        const watched = Object.values(await this.deps.redis.hgetall(this.key)).map((raw) => JSON.parse(raw) as Watched);
        // Every watched run in one round trip: after a storm most are still queued and need nothing more.
        const runs = await this.deps.store.getMany(watched.map((w) => w.runId));
        for (const [i, w] of watched.entries()) {
          await this.check(w, runs[i], now).catch((err: unknown) => this.deps.logger.warn({ err }, 'remediation watch: check failed'));
        }
      });
    } finally {
      this.sweeping = false;
    }
  }

  private async check(w: Watched, run: RunRecord | undefined, now: number): Promise<void> {
    if (!run) return this.done(w);
    if (!isTerminal(run.state)) return;
    if (w.silenceId) {
      await this.deps.silences?.expire(w.silenceId).catch((err: unknown) => this.deps.logger.warn({ err, silenceId: w.silenceId }, 'cannot expire the silence'));
      const { silenceId: _done, ...rest } = w;
      await this.deps.redis.hset(this.key, w.runId, JSON.stringify(rest));
    }
    const resolved = (await this.deps.redis.exists(this.resolvedKey(w.alert))) === 1;
    if (run.state !== 'succeeded') {
      // Cancelled because the alert resolved before it started: nothing to report.
      if (run.state === 'cancelled' && resolved) return this.done(w);
      return this.conclude(w, 'run-failed', [`Run ${run.id} ${run.state}${run.error ? `: ${run.error.message}` : ''}.`]);
    }
    if (resolved) return this.conclude(w, 'remediated');
    const finished = Date.parse(run.finishedAt ?? run.createdAt);
    if (now - finished < this.deps.watchForMs) return;
    const firing = await this.deps.isFiring?.(w.alert.fingerprint, w.alert.labels).catch(() => undefined);
    if (firing === false) return this.conclude(w, 'remediated');
    return this.conclude(w, 'not-cleared', [
      `Run ${run.id} (${w.runbook}) succeeded, but the alert was still firing ${formatDuration(this.deps.watchForMs)} later.`,
    ]);
  }

  private async conclude(w: Watched, result: RemediationResult, details: string[] = []): Promise<void> {
    const alertname = w.alert.labels.alertname ?? '';
    await this.deps.audit.append({ type: 'alert.remediation', fingerprint: w.alert.fingerprint, alertname, runId: w.runId, result });
    this.deps.metrics.remediations.inc({ runbook: w.runbook, result });
    if (result !== 'remediated') {
      const headline = result === 'run-failed' ? `${describeAlert(w.alert)}: remediation failed` : `${describeAlert(w.alert)}: remediation did not clear the alert`;
      await this.deps.audit.append({ type: 'alert.escalated', fingerprint: w.alert.fingerprint, alertname, reason: details[0] ?? headline, runId: w.runId });
      await this.deps.announcer().escalate(w.alert, headline, details).catch((err: unknown) => this.deps.logger.warn({ err }, 'cannot escalate'));
    }
    await this.done(w);
  }

  private async done(w: Watched): Promise<void> {
    await this.deps.redis.hdel(this.key, w.runId);
  }
}
