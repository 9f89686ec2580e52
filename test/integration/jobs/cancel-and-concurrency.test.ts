import type { RunRecord } from '../../../src/jobs/run-record.js';
import { isTerminal } from '../../../src/jobs/run-record.js';
import { defineRunbook, z } from '../../../src/sdk/index.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { seedDemo } from '../../support/seed.js';
import { deferred, waitFor, type Deferred } from '../../support/wait-for.js';

const cli = { kind: 'cli' as const, id: 'bob@laptop', name: 'bob' };

async function finished(t: TestDrover, runId: string): Promise<RunRecord> {
  return waitFor(async () => {
    const run = await t.drover.store.get(runId);
    return run && isTerminal(run.state) ? run : undefined;
  }, `run ${runId} to finish`);
}

async function stepStarted(t: TestDrover, runId: string, step: string): Promise<void> {
  await waitFor(async () => (await t.drover.store.events(runId)).some((e) => e.type === 'step' && e.step === step && e.phase === 'started'), `step ${step} of ${runId}`);
}

describe('cancellation', () => {
  let t: TestDrover;
  let gate: Deferred = deferred();

  const twoSteps = defineRunbook({
    id: 'two-steps',
    summary: 'Waits, then scales',
    params: z.object({ replicas: z.number() }),
    async run(ctx, { replicas }) {
      await ctx.step('first', () => gate.promise);
      await ctx.step('second', () => ctx.k8s.scaleDeployment('demo', 'web', replicas));
    },
  });

  beforeEach(async () => {
    gate = deferred();
    t = await buildTestDrover({ runbooks: [twoSteps] });
    seedDemo(t.fake);
  });

  afterEach(async () => {
    gate.resolve();
    await t.close();
  });

  it('a running run stops between steps: the step in progress finishes, the next never starts', async () => {
    await t.drover.startWorker();
    const run = await t.drover.queue.submit({ runbook: 'two-steps', params: { replicas: 4 }, requester: cli });
    await stepStarted(t, run.id, 'first');

    const afterCancel = await t.drover.queue.cancel(run.id, cli);
    expect(afterCancel.state).toBe('running');
    gate.resolve();

    const final = await finished(t, run.id);
    expect(final.state).toBe('cancelled');
    expect(final.error?.message).toBe('Cancelled by bob.');
    expect(t.fake.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);
    const steps = (await t.drover.audit.forRun(run.id)).filter((e) => e.type === 'run.step.finished').map((e) => ('step' in e ? e.step : ''));
    expect(steps).toEqual(['first']);
    await expect(t.drover.queue.cancel(run.id, cli)).rejects.toThrow(/already cancelled/);
  });

  it('a queued run is removed from the queue and never starts', async () => {
    const run = await t.drover.queue.submit({ runbook: 'two-steps', params: { replicas: 4 }, requester: cli });
    const cancelled = await t.drover.queue.cancel(run.id, cli);
    expect(cancelled.state).toBe('cancelled');
    expect(await t.drover.queue.queue.getJob(run.id)).toBeUndefined();

    gate.resolve();
    await t.drover.startWorker();
    const later = await t.drover.queue.submit({ runbook: 'two-steps', params: { replicas: 5 }, requester: cli });
    expect((await finished(t, later.id)).state).toBe('succeeded');
    const events = await t.drover.audit.forRun(run.id);
    expect(events.map((e) => e.type)).toEqual(['run.queued', 'run.cancel.requested', 'run.finished']);
    expect(t.fake.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });
});

describe('one run per target at a time', () => {
  let t: TestDrover;
  const gates = new Map<string, Deferred>();
  const spans: Array<{ target: string; start: number; end: number }> = [];

  const hold = defineRunbook({
    id: 'hold',
    summary: 'Holds its target until released',
    params: z.object({ target: z.string(), tag: z.string() }),
    concurrencyKey: (p) => `deployment/demo/${p.target}`,
    async run(ctx, { target, tag }) {
      await ctx.step('hold', async () => {
        const start = Date.now();
        await gates.get(tag)?.promise;
        spans.push({ target, start, end: Date.now() });
      });
    },
  });

  beforeEach(async () => {
    t = await buildTestDrover({ runbooks: [hold] });
    await t.drover.startWorker({ concurrency: 4 });
  });

  afterEach(async () => {
    for (const g of gates.values()) g.resolve();
    await t.close();
  });

  it('a second run on the same target waits for the first; another target is not held up', async () => {
    for (const tag of ['a1', 'a2', 'b1']) gates.set(tag, deferred());
    const a1 = await t.drover.queue.submit({ runbook: 'hold', params: { target: 'web', tag: 'a1' }, requester: cli });
    await stepStarted(t, a1.id, 'hold');
    const a2 = await t.drover.queue.submit({ runbook: 'hold', params: { target: 'web', tag: 'a2' }, requester: cli });
    const b1 = await t.drover.queue.submit({ runbook: 'hold', params: { target: 'api', tag: 'b1' }, requester: cli });

    await stepStarted(t, b1.id, 'hold');
    await waitFor(async () => (await t.drover.store.events(a2.id)).some((e) => e.type === 'waiting' && e.heldBy === a1.id), 'a2 to wait for a1');
    expect((await t.drover.store.get(a2.id))?.state).toBe('queued');

    gates.get('a1')!.resolve();
    gates.get('b1')!.resolve();
    await finished(t, a1.id);
    await stepStarted(t, a2.id, 'hold');
    gates.get('a2')!.resolve();
    expect((await finished(t, a2.id)).state).toBe('succeeded');

    const web = spans.filter((s) => s.target === 'web').sort((x, y) => x.start - y.start);
    expect(web).toHaveLength(2);
    expect(web[1]!.start).toBeGreaterThanOrEqual(web[0]!.end);
  });
});

describe('timeouts', () => {
  let t: TestDrover;
  const slow = defineRunbook({
    id: 'slow',
    summary: 'Takes longer than its timeout',
    params: z.object({}),
    timeout: '300ms',
    async run(ctx) {
      await ctx.step('wait', ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))));
    },
  });

  beforeEach(async () => {
    t = await buildTestDrover({ runbooks: [slow] });
    await t.drover.startWorker();
  });

  afterEach(async () => {
    await t.close();
  });

  it('a run past its timeout ends timed-out and is not retried', async () => {
    const run = await t.drover.queue.submit({ runbook: 'slow', params: {}, requester: cli });
    const final = await finished(t, run.id);
    expect(final).toMatchObject({ state: 'timed-out', attempts: 1, error: { code: 'run_timed_out' } });
    // The state moves first, then the event is appended: wait for it rather than race it.
    const finishedEvent = await waitFor(async () => (await t.drover.audit.forRun(run.id)).find((e) => e.type === 'run.finished'), 'the run.finished event');
    expect(finishedEvent).toMatchObject({ outcome: 'timed-out' });
  });
});
