import { DroverError } from '../../errors.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { AuditEvent } from '../../audit/events.js';

/** How each alert of a replayed payload was taken, as Drover's webhook answered. */
export interface AlertDelivery {
  /** HTTP status of the webhook's answer (200 when Drover took the payload). */
  status: number;
  /** Alerts by outcome, those that happened only: `{ enqueued: 1 }`, `{ approval_required: 1 }`, `{ unmatched: 1 }`... */
  outcomes: Record<string, number>;
  /** The `alert.received` audit events, one per alert, with the ids of the runs each started. */
  received: Array<Extract<AuditEvent, { type: 'alert.received' }>>;
}

/**
 * Posts an Alertmanager webhook payload (an object, or the JSON text as
 * recorded) to Drover's real webhook route, with the credentials Alertmanager's
 * `http_config` would send, and answers what Drover did with each alert.
 */
export async function deliverAlert(options: { url: string; authorization: string; audit: AuditLog; payload: unknown }): Promise<AlertDelivery> {
  const { audit } = options;
  const before = (await audit.read()).at(-1)?.id;
  const body = typeof options.payload === 'string' ? options.payload : JSON.stringify(options.payload);
  const res = await fetch(options.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: options.authorization, 'user-agent': 'Alertmanager/0.27.0' },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  const answer = (await res.json().catch(() => ({}))) as { outcomes?: Record<string, number>; error?: string };
  if (res.status !== 200) {
    throw new DroverError('harness_alert_rejected', `Drover's webhook answered ${res.status} to the payload: ${answer.error ?? 'no reason given'}`, { details: { status: res.status } });
  }
  const received = (await audit.read(before ? { after: before } : {})).filter((e): e is AlertDelivery['received'][number] => e.type === 'alert.received');
  // Only the outcomes that happened: `{ enqueued: 1 }` reads better in an assertion than eight counters.
  const outcomes = Object.fromEntries(Object.entries(answer.outcomes ?? {}).filter(([, n]) => n > 0));
  return { status: res.status, outcomes, received };
}
