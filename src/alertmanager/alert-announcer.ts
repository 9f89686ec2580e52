import type { RunRecord } from '../jobs/run-record.js';
import type { WebhookAlert } from './webhook-payload.js';

/** Tells people about automatic runs and about alerts automation will not handle. */
export interface AlertAnnouncer {
  /** An automatic run started for an alert: its thread is the announcement. */
  announceRun(run: RunRecord, alert: WebhookAlert): Promise<void>;
  /** Automation stops here (breaker open, remediation failed, alert did not clear): people take over. */
  escalate(alert: WebhookAlert, headline: string, details: string[]): Promise<void>;
  /** An alert no runbook handles, for the unmatched channel. */
  unmatched(alert: WebhookAlert): Promise<void>;
}

/** Used when no chat is configured: the audit log and metrics still record everything. */
export const silentAnnouncer: AlertAnnouncer = {
  announceRun: () => Promise.resolve(),
  escalate: () => Promise.resolve(),
  unmatched: () => Promise.resolve(),
};

/**
 * One line naming an alert: `KubePodCrashLooping shop/web-1 (critical)`. An
 * alert without alertname (Alertmanager accepts those) is named by its labels:
 * `alert {job="backup", severity="critical"}`.
 */
export function describeAlert(alert: WebhookAlert): string {
  const l = alert.labels;
  if (l.alertname === undefined) {
    const pairs = Object.entries(l).map(([name, value]) => `${name}=${JSON.stringify(value)}`);
    return `alert {${pairs.slice(0, 8).join(', ')}${pairs.length > 8 ? ', …' : ''}}`;
  }
  const target = [l.namespace, l.pod ?? l.deployment ?? l.horizontalpodautoscaler ?? l.persistentvolumeclaim ?? l.job_name].filter(Boolean).join('/') || l.node || '';
  return `${l.alertname}${target ? ` ${target}` : ''}${l.severity ? ` (${l.severity})` : ''}`;
}
