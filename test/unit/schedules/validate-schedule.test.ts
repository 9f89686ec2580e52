import { getNextMillis } from 'bullmq';
import { RunbookRegistry } from '../../../src/runbook/registry.js';
import { defineRunbook, z } from '../../../src/sdk/index.js';
import type { ScheduleTrigger } from '../../../src/runbook/types.js';
import type { DroverError } from '../../../src/errors.js';
import { cronProblem, firesBetween, localTime, nextFire, timeZoneProblem } from '../../../src/schedules/cron.js';
import { schedulesOf, scheduledRunId, scheduleRequester } from '../../../src/schedules/schedule-spec.js';
import { renderCatalogue } from '../../../src/runbook/catalogue.js';

const params = z.object({ namespace: z.string(), olderThan: z.number().int().default(7) });

function cleanup(schedule: ScheduleTrigger<z.output<typeof params>> | ScheduleTrigger<z.output<typeof params>>[]) {
  return defineRunbook({ id: 'cleanup', summary: 'Deletes old jobs', params, triggers: { schedule }, run: () => Promise.resolve(undefined) });
}

/** The load problems of a definition, as the registry reports them (naming the runbook). */
function problemsOf(runbook: ReturnType<typeof cleanup>): string[] {
  try {
    new RunbookRegistry([{ ...runbook, source: 'runbooks/cleanup.ts' }]);
    return [];
  } catch (err) {
    return (err as DroverError).details.problems as string[];
  }
}

describe('triggers.schedule validation at load', () => {
  it('accepts one schedule or several, with or without seconds', () => {
    expect(problemsOf(cleanup({ name: 'nightly', cron: '0 3 * * *', timeZone: 'Europe/Paris', params: { namespace: 'ci' } }))).toEqual([]);
    expect(
      problemsOf(
        cleanup([
          { name: 'nightly', cron: '0 3 * * *', timeZone: 'UTC', params: { namespace: 'ci' }, cluster: ['prod-eu', 'prod-us'], catchUp: '1h' },
          { name: 'often', cron: '*/30 * * * * *', timeZone: 'America/New_York', params: { namespace: 'dev', olderThan: 1 } },
          { name: 'weekly', cron: '@weekly', timeZone: 'Asia/Tokyo', params: { namespace: 'qa' } },
        ]),
      ),
    ).toEqual([]);
  });

  it('names the runbook and says what is wrong with a bad cron, in words', () => {
    const [bad] = problemsOf(cleanup({ name: 'nightly', cron: '61 3 * * *', timeZone: 'UTC', params: { namespace: 'ci' } }));
    expect(bad).toMatch(/^runbooks\/cleanup\.ts: triggers\.schedule\.cron "61 3 \* \* \*" is not a valid cron expression: .*0-59/);
    const [fields] = problemsOf(cleanup({ name: 'nightly', cron: '0 3 * *', timeZone: 'UTC', params: { namespace: 'ci' } }));
    expect(fields).toContain('"0 3 * *" has 4 fields; a cron expression has 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)');
    const [garbage] = problemsOf(cleanup({ name: 'nightly', cron: 'every night', timeZone: 'UTC', params: { namespace: 'ci' } }));
    expect(garbage).toMatch(/has 2 fields/);
  });

  it('refuses an unknown time zone, suggesting IANA names', () => {
    const [bad] = problemsOf(cleanup({ name: 'nightly', cron: '0 3 * * *', timeZone: 'Europe/Pariss', params: { namespace: 'ci' } }));
    expect(bad).toBe('runbooks/cleanup.ts: triggers.schedule.timeZone "Europe/Pariss" is not a known time zone (use an IANA name such as Europe/Paris, America/New_York or UTC)');
    expect(timeZoneProblem('CET')).toBeUndefined();
    expect(timeZoneProblem('')).toMatch(/IANA/);
  });

  it("checks a schedule's params against the runbook's schema", () => {
    const missing = problemsOf(cleanup({ name: 'nightly', cron: '0 3 * * *', timeZone: 'UTC' }));
    expect(missing).toEqual([`runbooks/cleanup.ts: triggers.schedule "nightly": its params do not fit the runbook's schema: namespace is required`]);
    const wrong = problemsOf(cleanup({ name: 'nightly', cron: '0 3 * * *', timeZone: 'UTC', params: { namespace: 'ci', olderThan: 'old' as unknown as number, nmespace: 'x' } as never }));
    expect(wrong.join('\n')).toMatch(/unknown parameter "nmespace" \(did you mean "namespace"\?\)/);
    expect(wrong.join('\n')).toMatch(/olderThan/);
  });

  it('needs kebab-case names, distinct within the runbook, and a sane catch-up window', () => {
    const problems = problemsOf(
      cleanup([
        { name: 'Nightly run', cron: '0 3 * * *', timeZone: 'UTC', params: { namespace: 'ci' } },
        { name: 'twice', cron: '0 3 * * *', timeZone: 'UTC', params: { namespace: 'ci' } },
        { name: 'twice', cron: '0 4 * * *', timeZone: 'UTC', params: { namespace: 'ci' }, catchUp: 'soon' },
      ]),
    ).join('\n');
    expect(problems).toMatch(/triggers\.schedule\.0\.name must be kebab-case/);
    expect(problems).toMatch(/triggers\.schedule\.2\.name "twice" is used by two schedules of this runbook/);
    expect(problems).toMatch(/triggers\.schedule\.2\.catchUp must be a duration of at least 1s/);
    const unnamed = problemsOf(cleanup({ cron: '0 3 * * *', timeZone: 'UTC', params: { namespace: 'ci' } } as never)).join('\n');
    expect(unnamed).toMatch(/triggers\.schedule\.name must be given/);
  });

  it('refuses unknown keys (a typo is not ignored)', () => {
    const problems = problemsOf(cleanup({ name: 'n', cron: '0 3 * * *', timeZone: 'UTC', tz: 'UTC', params: { namespace: 'ci' } } as never)).join('\n');
    expect(problems).toMatch(/triggers\.schedule/);
    expect(problems).toMatch(/tz/);
  });
});

describe('schedules of a runbook', () => {
  it('normalises them, with an id, the default catch-up window and a hash that follows the definition', () => {
    const [one] = schedulesOf(cleanup({ name: 'nightly', cron: ' 0 3 * * * ', timeZone: 'Europe/Paris', params: { namespace: 'ci' } }));
    expect(one).toMatchObject({ id: 'cleanup/nightly', runbook: 'cleanup', cron: '0 3 * * *', clusters: [], catchUpMs: 600_000, params: { namespace: 'ci' } });
    const [changed] = schedulesOf(cleanup({ name: 'nightly', cron: '0 4 * * *', timeZone: 'Europe/Paris', params: { namespace: 'ci' } }));
    const [same] = schedulesOf(cleanup({ name: 'nightly', cron: '0 3 * * *', timeZone: 'Europe/Paris', params: { namespace: 'ci' } }));
    expect(changed?.hash).not.toBe(one?.hash);
    expect(same?.hash).toBe(one?.hash);
    expect(scheduleRequester({ id: 'cleanup/nightly' })).toEqual({ kind: 'schedule', id: 'cleanup/nightly', name: 'schedule cleanup/nightly' });
    expect(scheduledRunId('cleanup/nightly', 'prod', 1)).toBe(scheduledRunId('cleanup/nightly', 'prod', 1));
    expect(scheduledRunId('cleanup/nightly', 'prod', 1)).not.toBe(scheduledRunId('cleanup/nightly', 'prod', 2));
  });
});

describe('cron in a time zone', () => {
  it('reads the cron in its zone, across daylight saving time', () => {
    // 03:00 in Paris is 02:00 UTC in winter, 01:00 UTC in summer.
    expect(nextFire('0 3 * * *', 'Europe/Paris', new Date('2026-12-06T12:00:00Z'))?.toISOString()).toBe('2026-12-07T02:00:00.000Z');
    expect(nextFire('0 3 * * *', 'Europe/Paris', new Date('2026-07-06T12:00:00Z'))?.toISOString()).toBe('2026-07-07T01:00:00.000Z');
    expect(localTime(new Date('2026-12-07T02:00:00Z'), 'Europe/Paris')).toBe('2026-12-07 03:00 GMT+1');
    expect(localTime(new Date('2026-12-07T02:00:05Z'), 'UTC')).toBe('2026-12-07 02:00:05 UTC');
  });

  it("on daylight saving days, as BullMQ's scheduler fires (docs/schedules.md): a skipped time runs an hour later, a repeated one once", () => {
    const paris = (cron: string, after: string, n = 3) => {
      const ours: string[] = [];
      const bullmq: string[] = [];
      let a = Date.parse(after);
      let b = a;
      for (let i = 0; i < n; i++) {
        a = nextFire(cron, 'Europe/Paris', new Date(a))?.getTime() ?? NaN;
        b = getNextMillis(b, { pattern: cron, tz: 'Europe/Paris' }) ?? NaN;
        ours.push(localTime(new Date(a), 'Europe/Paris'));
        bullmq.push(localTime(new Date(b), 'Europe/Paris'));
      }
      expect(bullmq).toEqual(ours);
      return ours;
    };
    // 2027-03-28: 02:00 becomes 03:00, so 02:30 does not exist that day: the fire is at 03:30.
    expect(paris('30 2 * * *', '2027-03-27T12:00:00Z')).toEqual(['2027-03-28 03:30 GMT+2', '2027-03-29 02:30 GMT+2', '2027-03-30 02:30 GMT+2']);
    // 2026-10-25: 02:30 happens twice; a daily schedule fires at the first.
    expect(paris('30 2 * * *', '2026-10-24T12:00:00Z')).toEqual(['2026-10-25 02:30 GMT+2', '2026-10-26 02:30 GMT+1', '2026-10-27 02:30 GMT+1']);
    // An hourly one fires in both 02:00 hours.
    expect(paris('0 * * * *', '2026-10-24T23:30:00Z')).toEqual(['2026-10-25 02:00 GMT+2', '2026-10-25 02:00 GMT+1', '2026-10-25 03:00 GMT+1']);
  });

  it('counts the fires a late one stands for', () => {
    expect(firesBetween('0 3 * * *', 'UTC', new Date('2026-12-01T02:59:59Z'), new Date('2026-12-04T12:00:00Z'))).toBe(4);
    expect(cronProblem('0 3 * * *')).toBeUndefined();
    expect(cronProblem('0 0 31 2 *')).toMatch(/not a valid cron expression/);
  });
});

describe('the catalogue', () => {
  it('shows each schedule with its cron, zone, clusters, params, identity and catch-up window', () => {
    const text = renderCatalogue([
      cleanup([
        { name: 'nightly', cron: '0 3 * * *', timeZone: 'Europe/Paris', params: { namespace: 'ci', olderThan: 3 } },
        { name: 'weekly', cron: '0 4 * * 0', timeZone: 'UTC', params: { namespace: 'qa' }, cluster: ['prod-eu', 'prod-us'], catchUp: '2h' },
      ]),
    ]);
    expect(text).toContain('- schedule `nightly`: `0 3 * * *` in Europe/Paris, on the default cluster with `namespace=ci olderThan=3`; asked for by `schedule:cleanup/nightly`; a missed fire runs if at most 10m late');
    expect(text).toContain('- schedule `weekly`: `0 4 * * 0` in UTC, on cluster `prod-eu`, `prod-us` with `namespace=qa`; asked for by `schedule:cleanup/weekly`; a missed fire runs if at most 2h late');
  });
});
