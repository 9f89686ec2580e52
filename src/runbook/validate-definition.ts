import { z } from 'zod';
import { parseDuration } from '../config/duration.js';
import { parseMatcher } from './matchers.js';
import { scheduleParamsProblems, scheduleTriggersSchema } from '../schedules/validate-schedule.js';

const fn = (message: string) =>
  z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message });

const duration = z.union([z.string(), z.number()]).refine((v) => parseDuration(v) !== undefined, {
  message: 'must be a duration such as 30s, 10m or 1h',
});

const alertTrigger = z.object({
  alertname: z.string().min(1),
  matchers: z
    .array(z.string())
    .optional()
    .superRefine((list, ctx) => {
      for (const m of list ?? []) {
        const parsed = parseMatcher(m);
        if ('error' in parsed) ctx.addIssue({ code: 'custom', message: `matcher ${JSON.stringify(m)}: ${parsed.error}` });
      }
    }),
  silence: z.boolean().optional(),
  params: z.union([z.record(z.string(), z.string().regex(/^(label|annotation):.+$/, 'must be "label:<name>" or "annotation:<name>"')), fn('must be a map or a function of the alert')]),
});

/** The shape a runbook definition must have; checked when the registry loads it. */
export const definitionSchema = z.object({
  id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be kebab-case (lowercase letters, digits and dashes)').max(63),
  summary: z
    .string()
    .min(1, 'must not be empty')
    .max(120, 'must fit on one line (120 characters)')
    .refine((s) => !s.includes('\n'), 'must be one line'),
  description: z.string().optional(),
  params: z.custom<z.ZodObject>((v) => v instanceof z.ZodObject, 'must be a zod object schema: z.object({...})'),
  triggers: z
    .object({
      chat: z.union([z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase words joined by dashes'), z.literal(false)]).optional(),
      alerts: z.array(alertTrigger).optional(),
      schedule: scheduleTriggersSchema.optional(),
    })
    .strict()
    .optional(),
  risk: z.enum(['low', 'medium', 'high']).optional(),
  approval: z
    .object({
      required: z.enum(['always', 'never', 'unless-dry-run']).optional(),
      approvers: z.number().int().min(1).max(10).optional(),
      timeout: duration.optional(),
    })
    .strict()
    .optional(),
  rateLimit: z
    .object({ maxRuns: z.number().int().min(1), window: duration, cooldown: duration.optional() })
    .strict()
    .optional(),
  timeout: duration.optional(),
  gitops: z
    .object({
      mode: z.enum(['propose', 'suspend', 'direct', 'refuse']),
      clusters: z.record(z.string().min(1), z.enum(['propose', 'suspend', 'direct', 'refuse'])).optional(),
      window: duration.optional(),
    })
    .strict()
    .optional(),
  concurrencyKey: fn('must be a function of the params').optional(),
  run: fn('must be an async function run(ctx, params)'),
}).superRefine((definition, ctx) => {
  // A schedule's params must fit the runbook's own schema, as a run's would.
  for (const message of scheduleParamsProblems(definition as Parameters<typeof scheduleParamsProblems>[0])) ctx.addIssue({ code: 'custom', path: ['triggers', 'schedule'], message });
});
