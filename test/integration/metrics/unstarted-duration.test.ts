import { createPolicy, denyAllPolicy } from '../../../src/policy/index.js';
import type { Policy, PolicyDocument } from '../../../src/policy/index.js';
import { defineRunbook, z } from '../../../src/sdk/index.js';
import { isTerminal } from '../../../src/jobs/run-record.js';
import { allowAll, buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';

// Regression (#14 review): a run the worker ended before it ever started (here:
// refused by the worker's own policy after waiting in the queue) observed its
// wait since enqueue as a run duration, and the audit said the same.
describe('a run that never started', () => {
  let t: TestDrover;
  const quick = defineRunbook({ id: 'quick', summary: 'Does nothing', params: z.object({}), async run(ctx) { await ctx.step('nothing', () => undefined); } });
  // Allows the submission; denies from the moment the worker checks again.
  const allow = createPolicy((allowAll() as { document: PolicyDocument }).document, { defaultTimeoutMs: 60_000 });
  let current: Policy = allow;
  const switching: Policy = {
    decide: (s) => current.decide(s),
    mayApprove: (a, s, r) => current.mayApprove(a, s, r),
    groupsOf: (r) => current.groupsOf(r),
  };

  beforeEach(async () => {
    current = allow;
    t = await buildTestDrover({ runbooks: [quick], policy: { policy: switching } });
  });

  afterEach(async () => {
    await t.close();
  });

  it('observes no run duration and audits 0 ms, not its time in the queue', async () => {
    const run = await t.drover.queue.submit({ runbook: 'quick', params: {}, requester: { kind: 'cli', id: 'alice@laptop' } });
    await new Promise((r) => setTimeout(r, 400));
    current = denyAllPolicy('revoked while queued');
    await t.drover.startWorker({ concurrency: 1 });
    const done = await waitFor(async () => {
      const r = await t.drover.store.get(run.id);
      return r && isTerminal(r.state) ? r : undefined;
    }, 'the run to end');
    expect(done.state).toBe('failed');
    expect(done.startedAt).toBeUndefined();
    const finished = await waitFor(async () => (await t.drover.audit.forRun(run.id)).find((e) => e.type === 'run.finished'), 'run.finished');
    expect(finished).toMatchObject({ outcome: 'failed', durationMs: 0 });
    const text = await t.drover.metrics.registry.metrics();
    expect(text).toMatch(/drover_runs_total\{runbook="quick",outcome="failed",dry_run="false"\} 1/);
    expect(text).not.toMatch(/drover_run_duration_seconds_count\{runbook="quick"/);
  });
});
