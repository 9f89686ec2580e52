import type { AlertmanagerClient } from './am-client.js';
import type { WebhookAlert } from './webhook-payload.js';

/** Silences an alert while a run fixes it. */
export interface Silences {
  silence(alert: WebhookAlert, runId: string, forMs: number): Promise<string>;
  expire(id: string): Promise<void>;
}

/** Silences through Alertmanager's v2 API: the alert's exact label set, for the run's duration. */
export function alertmanagerSilences(client: AlertmanagerClient, now: () => Date = () => new Date()): Silences {
  return {
    silence: (alert, runId, forMs) =>
      client.createSilence({
        matchers: Object.entries(alert.labels).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })),
        startsAt: now(),
        endsAt: new Date(now().getTime() + forMs),
        createdBy: 'drover',
        comment: `Drover run ${runId} is remediating this alert; the silence ends with the run.`,
      }),
    expire: (id) => client.expireSilence(id),
  };
}
