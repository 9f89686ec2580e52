import { z } from 'zod';
import { parseDuration } from '../config/duration.js';
import { DroverError } from '../errors.js';
import { parseParams } from '../runbook/params.js';
import type { Runbook } from '../runbook/types.js';
import { cronProblem, timeZoneProblem } from './cron.js';
import { scheduleTriggers } from './schedule-spec.js';

/** A zod string check from a "why not" function, the issue at the value's own path. */
function checked(problem: (value: string) => string | undefined) {
  return z.string({ error: 'must be a string' }).superRefine((value, ctx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  });
}

const clusterName = z.string().min(1, 'must not be empty');

const scheduleTrigger = z
  .object({
    name: z.string({ error: 'must be given: a kebab-case name for the schedule, e.g. "nightly"' }).regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be kebab-case (lowercase letters, digits and dashes)').max(63),
    cron: checked(cronProblem),
    timeZone: checked(timeZoneProblem),
    params: z.record(z.string(), z.unknown()).optional(),
    cluster: z.union([clusterName, z.array(clusterName).min(1, 'must list at least one cluster')]).optional(),
    catchUp: z
      .union([z.string(), z.number()])
      .refine((v) => (parseDuration(v) ?? 0) >= 1000, { message: 'must be a duration of at least 1s, such as 10m or 1h' })
      .optional(),
  })
  .strict();

/** `triggers.schedule`: one schedule or a list, with distinct names; each issue at its own path. */
export const scheduleTriggersSchema = z.unknown().superRefine((value, ctx) => {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const at = (path: PropertyKey[]) => (Array.isArray(value) ? [i, ...path] : path);
    const result = scheduleTrigger.safeParse(item);
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', path: at(issue.path), message: issue.message });
    const name = typeof item === 'object' && item !== null ? (item as { name?: unknown }).name : undefined;
    if (typeof name !== 'string') return;
    if (seen.has(name)) ctx.addIssue({ code: 'custom', path: at(['name']), message: `"${name}" is used by two schedules of this runbook` });
    seen.add(name);
  });
});

/**
 * Each schedule's params checked against the runbook's own schema, as a run
 * would be: `"nightly": its params do not fit the runbook's schema: replicas is required`.
 */
export function scheduleParamsProblems(runbook: Pick<Runbook, 'id' | 'params' | 'triggers'>): string[] {
  const problems: string[] = [];
  for (const trigger of scheduleTriggers(runbook)) {
    try {
      parseParams(runbook as Runbook, trigger.params ?? {});
    } catch (err) {
      const issues = err instanceof DroverError ? ((err.details.problems as string[] | undefined) ?? [err.message]) : [String(err)];
      problems.push(`"${trigger.name}": its params do not fit the runbook's schema: ${issues.join('; ')}`);
    }
  }
  return problems;
}
