import type { AuditEvent } from '../../../src/audit/events.js';
import { isTerminal } from '../../../src/jobs/run-record.js';
import { RunbookRegistry } from '../../../src/runbook/registry.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { sweeper } from '../../support/sweeper-runbook.js';
import { deferred, waitFor } from '../../support/wait-for.js';

type Fired = Extract<AuditEvent, { type: 'schedule.fired' }>;

describe('a schedule removed while its run is in flight', () => {
  let t: TestDrover | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('still knows that run when it comes back: the next fire is skipped, not stacked', async () => {
    const release = deferred();
    const often = { name: 'often', cron: '* * * * * *', timeZone: 'UTC', params: { namespace: 'ci' } };
    t = await buildTestDrover({ runbooks: [sweeper([often], {}, release.promise)] });
    const fires = async () => ((await t?.drover.audit.read()) ?? []).filter((e): e is AuditEvent & Fired => e.type === 'schedule.fired');
    try {
      await t.drover.startWorker();
      await t.drover.schedules.start();
      const first = await waitFor(async () => (await fires()).find((f) => f.outcome === 'queued'), 'the first run');
      await waitFor(async () => (await t?.drover.store.get(first.runId as string))?.state === 'running', 'the first run to be running');

      // An edit removes the schedule (the run goes on), and another brings it back.
      t.drover.runbooks.replaceWith(new RunbookRegistry([sweeper([], {}, release.promise)]));
      expect((await t.drover.schedules.reconcile()).removed).toEqual(['sweep/often']);
      const back = Date.now();
      t.drover.runbooks.replaceWith(new RunbookRegistry([sweeper([often], {}, release.promise)]));
      expect((await t.drover.schedules.reconcile()).added).toEqual(['sweep/often']);

      const next = await waitFor(async () => (await fires()).find((f) => Date.parse(f.scheduledAt) > back), 'a fire after it came back');
      expect(next).toMatchObject({ outcome: 'skipped', runId: first.runId });
      expect((await fires()).filter((f) => f.outcome === 'queued')).toHaveLength(1);
    } finally {
      release.resolve();
    }
    await waitFor(async () => {
      const run = await t?.drover.store.get((await fires()).find((f) => f.outcome === 'queued')?.runId as string);
      return run && isTerminal(run.state);
    }, 'the run to finish');
  });
});
