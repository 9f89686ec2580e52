import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import { asDroverError } from '../errors.js';
import { BodyTooLarge, readBody } from '../http/read-body.js';
import { answerUnavailable, type RedisAvailability } from '../http/redis-availability.js';
import type { Metrics } from '../metrics/metrics.js';
import type { AlertIntake } from './alert-intake.js';
import { authorised, type WebhookCredentials } from './webhook-auth.js';
import { parseWebhookPayload } from './webhook-payload.js';

export const WEBHOOK_PATH = '/webhooks/alertmanager';

/** How many alerts a rejected payload holds, as far as can be told: 1 when it has no list of alerts (or is not even an object). */
function alertCount(body: unknown): number {
  const alerts = typeof body === 'object' && body !== null ? (body as { alerts?: unknown }).alerts : undefined;
  return Array.isArray(alerts) ? alerts.length : 1;
}

function answer(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}

/**
 * POST /webhooks/alertmanager. Alertmanager retries a 5xx for ever and
 * resends on every group interval, so: 2xx for whatever was accepted or
 * deliberately dropped, 4xx for bad input (it will not improve by retrying),
 * 5xx only when Drover itself cannot take the alerts now (Redis down).
 */
export function webhookHandler(deps: {
  intake: AlertIntake;
  credentials: WebhookCredentials;
  maxBodyBytes: number;
  logger: Logger;
  metrics: Metrics;
  audit: AuditLog;
  /** While Redis is down the webhook answers 503 at once, rather than wait for it. */
  redis: RedisAvailability;
}) {
  const configured = Boolean(deps.credentials.token || (deps.credentials.username && deps.credentials.password));
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!authorised(req.headers.authorization, deps.credentials)) {
      req.resume();
      answer(res, 401, {
        error: configured
          ? 'Unauthorized: send the bearer token (or basic auth) configured in Drover, as Alertmanager http_config does.'
          : 'Unauthorized: Drover has no webhook credentials; set ALERTMANAGER_WEBHOOK_TOKEN (or basic auth) and put it in http_config.',
      });
      return;
    }
    const unavailableMessage = { error: 'Drover cannot take alerts right now; Alertmanager will retry.' };
    if (!(await deps.redis.ready())) {
      // Nothing is read or written: the retry finds everything as it was.
      req.resume();
      deps.logger.warn('alerts refused (503): Redis is not connected; Alertmanager will retry');
      answerUnavailable(res, unavailableMessage);
      return;
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, deps.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        answer(res, 413, { error: `Payload too large: the limit is ${deps.maxBodyBytes} bytes (alerts.maxBodyBytes); lower max_alerts in Alertmanager's webhook_config.` });
        return;
      }
      throw err;
    }
    const unavailable = (err: unknown, context: Record<string, unknown>) => {
      const e = asDroverError(err);
      deps.logger.error({ err: e.cause ?? e, ...context }, 'alerts could not be processed; Alertmanager will retry');
      answerUnavailable(res, unavailableMessage);
    };
    // Bad input is a 4xx (retrying will not fix it), audited and counted like any rejected alert;
    // only when that cannot be recorded (Redis down) is it a 503, to be recorded on the retry.
    const reject = async (count: number, reason: string) => {
      try {
        await deps.redis.guard(() => deps.audit.append({ type: 'alert.payload.rejected', alerts: count, reason }));
      } catch (err) {
        unavailable(err, { rejected: reason });
        return;
      }
      deps.metrics.alerts.inc({ outcome: 'rejected' }, count);
      answer(res, 400, { error: reason });
    };
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      await reject(1, 'Invalid JSON: expected Alertmanager\'s webhook payload (version 4).');
      return;
    }
    const parsed = parseWebhookPayload(body);
    if ('error' in parsed) {
      await reject(alertCount(body), parsed.error);
      return;
    }
    try {
      const outcomes = await deps.redis.guard(() => deps.intake.receive(parsed.payload));
      answer(res, 200, { received: parsed.payload.alerts.length, outcomes });
    } catch (err) {
      unavailable(err, { groupKey: parsed.payload.groupKey });
    }
  };
}
