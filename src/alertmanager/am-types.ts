/**
 * The parts of Alertmanager's v2 API (api/v2/openapi.yaml) that Drover reads,
 * as zod schemas. Unknown fields are dropped rather than rejected, so a newer
 * Alertmanager that adds fields (0.27 adds `status.mutedBy`) still parses.
 */
import { z } from 'zod';

const labelSet = z.record(z.string(), z.string());

/** One label matcher of a silence or a filter: `name="value"`, `name!="value"`, `name=~"re"`, `name!~"re"`. */
export const matcherSchema = z.object({
  name: z.string(),
  value: z.string(),
  isRegex: z.boolean(),
  /** Absent in answers from Alertmanager < 0.22, where every matcher was an equality. */
  isEqual: z.boolean().default(true),
});
export type Matcher = z.infer<typeof matcherSchema>;

/** An alert as GET /api/v2/alerts returns it. Resolved alerts are never listed there. */
export const gettableAlertSchema = z.object({
  /** A hash of the labels: the same labels give the same fingerprint, across restarts and replicas. */
  fingerprint: z.string().min(1),
  labels: labelSet,
  annotations: labelSet,
  /** RFC 3339 with milliseconds. The webhook payload carries the same instant with nanoseconds. */
  startsAt: z.string(),
  /** When Alertmanager will consider the alert resolved unless it is pushed again. */
  endsAt: z.string(),
  updatedAt: z.string(),
  /** Omitted when the alert has none. */
  generatorURL: z.string().optional(),
  receivers: z.array(z.object({ name: z.string() })),
  status: z.object({
    /** `suppressed`: silenced or inhibited, but still firing. */
    state: z.enum(['unprocessed', 'active', 'suppressed']),
    silencedBy: z.array(z.string()),
    inhibitedBy: z.array(z.string()),
  }),
});
export type GettableAlert = z.infer<typeof gettableAlertSchema>;

export const gettableSilenceSchema = z.object({
  id: z.string().min(1),
  matchers: z.array(matcherSchema),
  startsAt: z.string(),
  endsAt: z.string(),
  updatedAt: z.string(),
  createdBy: z.string(),
  comment: z.string(),
  status: z.object({ state: z.enum(['expired', 'active', 'pending']) }),
});
export type GettableSilence = z.infer<typeof gettableSilenceSchema>;

/** The answer to POST /api/v2/silences. */
export const postSilenceResponseSchema = z.object({ silenceID: z.string().min(1) });
