import { CronExpressionParser } from 'cron-parser';

const ALIASES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** Why a time zone is not one Drover can use, or undefined when it is a known IANA zone. */
export function timeZoneProblem(timeZone: string): string | undefined {
  if (typeof timeZone !== 'string' || !timeZone.trim()) return 'must be an IANA time zone such as Europe/Paris or UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return undefined;
  } catch {
    return `"${timeZone}" is not a known time zone (use an IANA name such as Europe/Paris, America/New_York or UTC)`;
  }
}

/**
 * Why a cron expression is not one BullMQ's scheduler can follow, written for
 * people, or undefined when it is fine. Five fields, six with seconds first, or an alias.
 */
export function cronProblem(cron: string): string | undefined {
  if (typeof cron !== 'string' || !cron.trim()) return 'must be a cron expression such as "0 3 * * *" (03:00 every day)';
  const text = cron.trim();
  const fields = text.split(/\s+/).length;
  if (!ALIASES.has(text.toLowerCase()) && fields !== 5 && fields !== 6) {
    return `"${cron}" has ${fields} field${fields === 1 ? '' : 's'}; a cron expression has 5 (minute hour day-of-month month day-of-week) or 6 (seconds first), e.g. "0 3 * * *"`;
  }
  try {
    CronExpressionParser.parse(text, { tz: 'UTC' }).next();
    return undefined;
  } catch (err) {
    return `"${cron}" is not a valid cron expression: ${(err as Error).message}`;
  }
}

/** The next fire strictly after `after`, of a valid cron read in `timeZone`; undefined when there is none. */
export function nextFire(cron: string, timeZone: string, after: Date): Date | undefined {
  try {
    return CronExpressionParser.parse(cron.trim(), { tz: timeZone, currentDate: after }).next().toDate();
  } catch {
    return undefined;
  }
}

/** How many fires of `cron` fall in (from, to]: what a late fire stands for (capped at `cap`). */
export function firesBetween(cron: string, timeZone: string, from: Date, to: Date, cap = 1000): number {
  try {
    const it = CronExpressionParser.parse(cron.trim(), { tz: timeZone, currentDate: from, endDate: to });
    let n = 0;
    while (n < cap && it.hasNext()) {
      it.next();
      n++;
    }
    return n;
  } catch {
    return 0;
  }
}

/** A time as people in `timeZone` read it: `2026-12-07 03:00 CET`. */
export function localTime(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const seconds = get('second') === '00' ? '' : `:${get('second')}`;
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}${seconds} ${get('timeZoneName')}`;
}
