import { defineRunbook, z } from '../../../src/sdk/index.js';
import { isTerminal } from '../../../src/jobs/run-record.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';

// Regression (issue 13/14): a first attempt's duration was measured from the
// record read before the run started, so it came out as about 0.
describe('a run’s duration', () => {
  let t: TestDrover;
  const slow = defineRunbook({
    id: 'slow',
    summary: 'Takes a while',
    params: z.object({}),
    async run(ctx) {
      await ctx.step('wait', () => new Promise((r) => setTimeout(r, 300)));
    },
  });

  beforeEach(async () => {
    t = await buildTestDrover({ runbooks: [slow] });
    await t.drover.startWorker({ concurrency: 1 });
  });

  afterEach(async () => {
    await t.close();
  });

  it('is the time from its start to its end, in the audit log and the histogram', async () => {
    const run = await t.drover.queue.submit({ runbook: 'slow', params: {}, requester: { kind: 'cli', id: 'alice@laptop' } });
    await waitFor(async () => {
      const r = await t.drover.store.get(run.id);
      return r && isTerminal(r.state) ? r : undefined;
    }, 'the run to finish');
    const finished = await waitFor(async () => (await t.drover.audit.forRun(run.id)).find((e) => e.type === 'run.finished'), 'run.finished');
    expect(finished).toMatchObject({ outcome: 'succeeded' });
    expect((finished as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(300);
    const histogram = await t.drover.metrics.registry.getSingleMetricAsString('drover_run_duration_seconds');
    expect(histogram).toMatch(/drover_run_duration_seconds_sum\{runbook="slow",outcome="succeeded"\} 0\.[3-9]/);
  });
});
