import { Worker } from 'bullmq';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { seedDemo } from '../../support/seed.js';

const resolvedAlert = { kind: 'alert' as const, id: 'fp1', name: 'KubePodCrashLooping resolved' };
const cli = { kind: 'cli' as const, id: 'bob@laptop', name: 'bob' };

// What a resolved alert does to its run: cancel it only if it has never started.
describe('cancelling only a run that has not started', () => {
  let t: TestDrover;

  beforeEach(async () => {
    t = await buildTestDrover();
    seedDemo(t.fake);
  });

  afterEach(async () => {
    await t.close();
  });

  const submit = () => t.drover.queue.submit({ runbook: 'scale-deployment', params: { namespace: 'demo', deployment: 'web', replicas: 4 }, requester: cli });

  it('a queued run nobody has taken is cancelled', async () => {
    const run = await submit();
    const after = await t.drover.queue.cancel(run.id, resolvedAlert, { unstartedOnly: true });
    expect(after.state).toBe('cancelled');
    expect(after.error?.message).toBe('Cancelled by KubePodCrashLooping resolved before it started.');
    expect(await t.drover.queue.queue.getJob(run.id)).toBeUndefined();
  });

  it('a run a worker has just taken (its record still queued) is left alone, with no cancellation requested', async () => {
    const run = await submit();
    const { queue } = t.drover.queue;
    // A worker that has taken the job and not yet marked the run as running.
    const taker = new Worker(queue.name, null, { connection: queue.opts.connection, prefix: queue.opts.prefix!, autorun: false });
    try {
      const job = await taker.getNextJob('token-1');
      expect(job?.id).toBe(run.id);
      const after = await t.drover.queue.cancel(run.id, resolvedAlert, { unstartedOnly: true });
      expect(after.state).toBe('queued');
      expect(await t.drover.store.cancelRequested(run.id)).toBeFalsy();
      expect((await t.drover.audit.read()).some((e) => e.type === 'run.cancel.requested')).toBe(false);
      // A person's cancel of the same run does ask the worker to stop it.
      await t.drover.queue.cancel(run.id, cli);
      expect(await t.drover.store.cancelRequested(run.id)).toMatchObject({ id: cli.id });
    } finally {
      await taker.close(true);
    }
  });

  it('a run that has started and waits for a retry is left to finish', async () => {
    const run = await submit();
    await t.drover.store.transition(run.id, ['queued'], 'queued', { startedAt: new Date().toISOString() });
    const after = await t.drover.queue.cancel(run.id, resolvedAlert, { unstartedOnly: true });
    expect(after.state).toBe('queued');
    expect(await t.drover.queue.queue.getJob(run.id)).toBeDefined();
  });
});
