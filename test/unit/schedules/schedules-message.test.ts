import { blocksToText } from '../../../src/chat/blocks/index.js';
import { schedulesMessage } from '../../../src/chat/blocks/schedules.js';
import { scheduleLines } from '../../../src/schedules/schedule-text.js';
import type { ScheduleStatus } from '../../../src/schedules/schedules.js';
import { slackProblems } from '../chat-blocks/support/slack-limits.js';

const nightly: ScheduleStatus = {
  id: 'cleanup-jobs/nightly',
  runbook: 'cleanup-jobs',
  name: 'nightly',
  cron: '0 3 * * *',
  timeZone: 'Europe/Paris',
  params: { namespace: 'ci', olderThan: '24h' },
  catchUpMs: 600_000,
  next: '2026-12-07T02:00:00.000Z',
  nextLocal: '2026-12-07 03:00 GMT+1',
  registered: true,
  clusters: [
    {
      cluster: 'prod-eu',
      policy: { decision: 'allowed', reason: 'Allowed by rules[3]' },
      lastFire: { scheduledAt: '2026-12-06T02:00:00.000Z', at: '2026-12-06T02:00:00.120Z', outcome: 'queued', runId: 'c0123456789abcdef0123' },
      lastRun: { id: 'c0123456789abcdef0123', state: 'succeeded', createdAt: '2026-12-06T02:00:00.130Z', finishedAt: '2026-12-06T02:00:04.000Z' },
    },
    {
      cluster: 'prod-us',
      policy: { decision: 'denied', reason: 'Denied: schedule:cleanup-jobs/nightly is in no group of the policy.' },
      lastFire: { scheduledAt: '2026-12-06T02:00:00.000Z', at: '2026-12-06T02:00:00.120Z', outcome: 'denied', reason: 'Denied: schedule:cleanup-jobs/nightly is in no group of the policy.' },
    },
  ],
};

describe('schedules in the terminal and in chat', () => {
  it('prints each schedule: cron and zone, next fire in its zone, per cluster the policy, last fire and last run', () => {
    expect(scheduleLines(nightly)).toEqual([
      'cleanup-jobs/nightly  0 3 * * * (Europe/Paris)  next: 2026-12-07 03:00 GMT+1',
      '  params: namespace=ci olderThan=24h; missed fires run if at most 10m late',
      '  cluster prod-eu: policy allows it; last fire 2026-12-06 03:00 GMT+1 → queued run c0123456789abcdef0123; last run c0123456789abcdef0123: succeeded at 2026-12-06 03:00:04 GMT+1',
      '  cluster prod-us: POLICY DENIES IT: each fire is refused and audited; Denied: schedule:cleanup-jobs/nightly is in no group of the policy; last fire 2026-12-06 03:00 GMT+1 → denied (Denied: schedule:cleanup-jobs/nightly is in no group of the policy)',
    ]);
  });

  it('renders the same in chat, within Slack limits however many schedules there are', () => {
    const message = schedulesMessage([nightly]);
    expect(message.text).toBe('Schedules: cleanup-jobs/nightly next 2026-12-07 03:00 GMT+1');
    const text = blocksToText(message);
    expect(text).toContain('cleanup-jobs/nightly');
    expect(text).toContain('POLICY DENIES IT');
    const many = Array.from({ length: 300 }, (_, i) => ({ ...nightly, id: `cleanup-jobs/n${i}`, name: `n${i}` }));
    expect(slackProblems(schedulesMessage(many))).toEqual([]);
    expect(schedulesMessage([]).text).toBe('No runbook declares a schedule.');
  });
});
