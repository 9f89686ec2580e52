import type { Logger } from 'pino';
import { asDroverError } from '../errors.js';
import { isTerminal, type RunRecord } from '../jobs/run-record.js';
import { eachBounded } from './each-bounded.js';
import type { RemediationWatch } from './remediation-watch.js';
import type { Silences } from './silences.js';
import type { WebhookAlert } from './webhook-payload.js';

/** A run an alert started (or a redelivery found), with whether its trigger silences the alert. */
export interface StartedRun {
  run: RunRecord;
  runbook: string;
  alert: WebhookAlert;
  silence: boolean;
}

export interface TrackRunsDeps {
  watch: Pick<RemediationWatch, 'trackMany' | 'silenceIds'>;
  /** Alertmanager silences, when Alertmanager's URL is configured. */
  silences?: Silences;
  logger: Logger;
  /** Silences created at once. */
  concurrency: number;
}

/**
 * Puts runs under the remediation watch and silences their alerts, once per
 * run however many deliveries get here: a run the watch holds with a silence
 * is not silenced again (a retried or concurrent delivery), one without is
 * (the delivery that began it failed before silencing). A run already over
 * was tracked by the delivery that began it: left alone.
 */
export async function trackRuns(deps: TrackRunsDeps, started: StartedRun[]): Promise<void> {
  const byRun = new Map<string, StartedRun>();
  for (const s of started) if (!isTerminal(s.run.state) && !byRun.has(s.run.id)) byRun.set(s.run.id, s);
  const live = [...byRun.values()];
  const wanted = live.filter((s) => s.silence);
  const existing = await deps.watch.silenceIds(wanted.map((s) => s.run.id));
  const silences = new Map<string, string>();
  await eachBounded(
    wanted.filter((_, i) => !existing[i]),
    deps.concurrency,
    async ({ alert, run }) => {
      const id = await silence(deps, alert, run);
      if (id) silences.set(run.id, id);
    },
  );
  // The watch entries and their times (the run's deadline, or now for one already over): one atomic script for the whole batch.
  const kept = await deps.watch.trackMany(
    live.map(({ run, runbook, alert }) => {
      const silenceId = silences.get(run.id);
      return { runId: run.id, runbook, alert, createdAt: run.createdAt, timeoutMs: run.timeoutMs, ...(silenceId ? { silenceId } : {}) };
    }),
  );
  // Another delivery silenced the same run at the same time, and the watch kept its silence: ours would outlive the run.
  const redundant = live.flatMap(({ run }, i) => {
    const ours = silences.get(run.id);
    return ours && kept[i] !== ours ? [ours] : [];
  });
  await eachBounded(redundant, deps.concurrency, (id) =>
    deps.silences?.expire(id).catch((err: unknown) => deps.logger.warn({ err: asDroverError(err).message, silenceId: id }, 'cannot expire a redundant silence')),
  );
}

async function silence(deps: TrackRunsDeps, alert: WebhookAlert, run: RunRecord): Promise<string | undefined> {
  if (!deps.silences) {
    deps.logger.warn({ runId: run.id }, 'the runbook asks to silence its alert, but alerts.alertmanagerUrl is not set');
    return undefined;
  }
  // Retries and the queue wait are part of a run's life: a margin beyond its timeout.
  return deps.silences.silence(alert, run.id, run.timeoutMs + 10 * 60_000).catch((err: unknown) => {
    deps.logger.warn({ err: asDroverError(err).message, runId: run.id }, 'cannot silence the alert; the run goes on');
    return undefined;
  });
}
