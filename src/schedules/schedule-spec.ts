import { createHash } from 'node:crypto';
import { parseDuration } from '../config/duration.js';
import type { Requester, Runbook, ScheduleTrigger } from '../runbook/types.js';

/** Missed fires at most this late run once (see ScheduleTrigger.catchUp). */
export const DEFAULT_CATCH_UP_MS = 10 * 60_000;

/** One schedule of one runbook, as Drover follows it. */
export interface ScheduleSpec {
  /** `<runbook>/<name>`: the BullMQ job scheduler's id and the automation identity's. */
  id: string;
  runbook: string;
  name: string;
  cron: string;
  timeZone: string;
  params: Record<string, unknown>;
  /** Named clusters, one run each; empty: the default cluster. */
  clusters: string[];
  catchUpMs: number;
  /** Changes when anything above changes: a changed schedule is upserted, an unchanged one left alone. */
  hash: string;
}

/** The schedules a runbook declares (one or several). */
export function scheduleTriggers(runbook: Pick<Runbook, 'triggers'>): ScheduleTrigger<Record<string, unknown>>[] {
  const declared = runbook.triggers?.schedule;
  if (!declared) return [];
  return Array.isArray(declared) ? declared : [declared];
}

/** A runbook's schedules, normalised (the definition is assumed valid: the registry checked it). */
export function schedulesOf(runbook: Runbook): ScheduleSpec[] {
  return scheduleTriggers(runbook).map((t) => {
    const clusters = t.cluster === undefined ? [] : Array.isArray(t.cluster) ? [...t.cluster] : [t.cluster];
    const catchUpMs = t.catchUp === undefined ? DEFAULT_CATCH_UP_MS : (parseDuration(t.catchUp) ?? DEFAULT_CATCH_UP_MS);
    const params = { ...(t.params ?? {}) };
    const body = { runbook: runbook.id, name: t.name, cron: t.cron.trim(), timeZone: t.timeZone, params, clusters, catchUpMs };
    const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
    return { id: `${runbook.id}/${t.name}`, ...body, hash };
  });
}

/** Every schedule of every runbook. */
export function allSchedules(runbooks: { list(): Runbook[] }): ScheduleSpec[] {
  return runbooks.list().flatMap(schedulesOf);
}

/** The automation identity a schedule's runs are asked for by; the policy names it `schedule:<runbook>/<name>`. */
export function scheduleRequester(schedule: Pick<ScheduleSpec, 'id'>): Requester {
  return { kind: 'schedule', id: schedule.id, name: `schedule ${schedule.id}` };
}

/** The run of one fire of a schedule on one cluster: a retried fire maps to the same run. */
export function scheduledRunId(scheduleId: string, cluster: string, scheduledAt: number): string {
  return `c${createHash('sha256').update(`${scheduleId}|${cluster}|${scheduledAt}`).digest('hex').slice(0, 20)}`;
}
