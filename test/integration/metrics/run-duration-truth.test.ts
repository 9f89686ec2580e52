import { createPolicy, denyAllPolicy } from '../../../src/policy/index.js';
import type { Policy, PolicyDocument } from '../../../src/policy/index.js';
import { DroverError } from '../../../src/errors.js';
import { defineRunbook, z } from '../../../src/sdk/index.js';
import { isTerminal } from '../../../src/jobs/run-record.js';
import { allowAll, buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';

// Regression (#14 review): a run the worker ended before it ever started (here:
// refused by the worker's own policy after waiting in the queue) observed its
// wait since enqueue as a run duration, and the audit said the same. And the
// duration of a run that did start: from its first start, retries included,
// a wait for approval not.
describe('run durations from the first start', () => {
  let t: TestDrover;
  let flakyCalls = 0;
  const flaky = defineRunbook({
    id: 'flaky',
    summary: 'Fails its first attempt after 300 ms',
    params: z.object({}),
    async run(ctx) {
      await ctx.step('work', async () => {
        flakyCalls += 1;
        if (flakyCalls === 1) {
          await new Promise((r) => setTimeout(r, 300));
          throw new DroverError('k8s_server_error', 'busy', { retryable: true });
        }
      });
    },
  });
  const gated = defineRunbook({ id: 'gated', summary: 'Needs one approval', params: z.object({}), approval: { required: 'always', approvers: 1 }, async run(ctx) { await ctx.step('noop', () => undefined); } });
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
    t = await buildTestDrover({ runbooks: [quick, flaky, gated], policy: { policy: switching } });
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

  const finished = (id: string) =>
    waitFor(async () => {
      const r = await t.drover.store.get(id);
      return r && isTerminal(r.state) ? r : undefined;
    }, `run ${id}`);
  const durationOf = async (id: string) => (await waitFor(async () => (await t.drover.audit.forRun(id)).find((e) => e.type === 'run.finished'), 'run.finished')) as unknown as { durationMs: number };

  it('a retried run counts from its first attempt: the failed attempt and the wait before the retry included', async () => {
    await t.drover.startWorker({ concurrency: 1 });
    const run = await t.drover.queue.submit({ runbook: 'flaky', params: {}, requester: { kind: 'cli', id: 'alice@laptop' } });
    expect((await finished(run.id)).state).toBe('succeeded');
    expect((await durationOf(run.id)).durationMs).toBeGreaterThanOrEqual(300);
    expect(await t.drover.metrics.registry.getSingleMetricAsString('drover_run_duration_seconds')).toMatch(/drover_run_duration_seconds_sum\{runbook="flaky",outcome="succeeded"\} 0\.[3-9]/);
  });

  it('a run held for approval counts from its start after the approval, not from the proposal', async () => {
    await t.drover.startWorker({ concurrency: 1 });
    const proposed = await t.drover.gate.submit({ runbook: 'gated', params: {}, requester: { kind: 'cli', id: 'alice@laptop' } });
    const held = await waitFor(async () => {
      const r = await t.drover.store.get(proposed.id);
      return r?.state === 'awaiting_approval' ? r : undefined;
    }, 'the proposal');
    await new Promise((r) => setTimeout(r, 600));
    expect((await t.drover.approvals.approve(held.id, { kind: 'slack', id: 'U0BOB' }, held.approval?.hash ?? '')).kind).toBe('approved');
    expect((await finished(held.id)).state).toBe('succeeded');
    expect((await durationOf(held.id)).durationMs).toBeLessThan(500);
    expect(await t.drover.metrics.registry.getSingleMetricAsString('drover_run_duration_seconds')).toMatch(/drover_run_duration_seconds_bucket\{le="0\.5",runbook="gated",outcome="succeeded"\} 1/);
  });
});
