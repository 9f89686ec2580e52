import { z } from 'zod';

const labels = z.record(z.string(), z.string());
const time = z.string().refine((v) => !Number.isNaN(Date.parse(v)), { message: 'must be an RFC 3339 time' });

/** One alert of Alertmanager's webhook payload (version 4). */
export const webhookAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  // Alertmanager requires a label set, not an alertname: an alert without one is unmatched (routes go by
  // alertname), not a bad payload that would make Drover refuse, and lose, its whole notification.
  labels: labels.refine((l) => Object.keys(l).length > 0, { message: 'must have at least one label' }),
  annotations: labels.default({}),
  startsAt: time,
  endsAt: time.optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().regex(/^[0-9a-f]{1,64}$/, 'must be a hex fingerprint'),
});

/** Alertmanager's webhook payload, version 4 (extra fields are ignored, as future versions may add some). */
export const webhookPayloadSchema = z.object({
  version: z.literal('4', { error: 'only version "4" of the webhook payload is understood' }),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labels.default({}),
  commonLabels: labels.default({}),
  commonAnnotations: labels.default({}),
  externalURL: z.string().default(''),
  alerts: z.array(webhookAlertSchema).max(100_000),
});

export type WebhookAlert = z.output<typeof webhookAlertSchema>;
export type WebhookPayload = z.output<typeof webhookPayloadSchema>;

/** Parses a payload; the error lists what is wrong, for the 400 answer. */
export function parseWebhookPayload(body: unknown): { payload: WebhookPayload } | { error: string } {
  const result = webhookPayloadSchema.safeParse(body);
  if (result.success) return { payload: result.data };
  const problems = result.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`);
  const more = result.error.issues.length > 10 ? ` (and ${result.error.issues.length - 10} more)` : '';
  return { error: `Invalid Alertmanager webhook payload: ${problems.join('; ')}${more}` };
}
