import { AuditLog } from '../../../src/audit/audit-log.js';
import type { AuditEvent } from '../../../src/audit/events.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { seedDemo } from '../../support/seed.js';
import { waitFor } from '../../support/wait-for.js';

type Finished = Extract<AuditEvent, { type: 'run.finished' }>;

// An audit event written in the same atomic step as the change it records, so that a
// process dying between the change and the append leaves no gap in the audit log.
describe('the audit outbox', () => {
  let t: TestDrover;

  beforeEach(async () => {
    t = await buildTestDrover();
  });

  afterEach(async () => {
    await t.close();
  });

  const cli = { kind: 'cli' as const, id: 'bob@laptop', name: 'bob' };
  const queued = () => t.drover.queue.submit({ runbook: 'scale-deployment', params: { namespace: 'demo', deployment: 'web', replicas: 4 }, requester: cli });
  const finished = async (runId: string): Promise<Finished[]> =>
    (await t.drover.audit.read()).filter((e): e is Finished => e.type === 'run.finished' && e.runId === runId);
  const entry = (runId: string) => ({
    field: `run.finished ${runId}`,
    event: { type: 'run.finished' as const, runId, runbook: 'scale-deployment', cluster: 'test', outcome: 'cancelled' as const, durationMs: 0, dryRun: false },
  });

  it('a change whose process died before appending its event: the drain appends it, once', async () => {
    const run = await queued();
    // The change and its event in one step; then the process "dies" (no deliver).
    expect(await t.drover.store.transition(run.id, ['queued'], 'cancelled', { finishedAt: new Date().toISOString() }, entry(run.id))).toBeUndefined();
    expect(await finished(run.id)).toEqual([]);
    const { outbox } = t.drover.audit;
    // Recent entries belong to a process that may still be appending them.
    expect(await outbox.drain(new Date(Date.now() - 30_000))).toBe(0);
    expect(await outbox.drain(new Date(Date.now() + 1000))).toBe(1);
    expect(await finished(run.id)).toMatchObject([{ outcome: 'cancelled' }]);
    expect(await outbox.drain(new Date(Date.now() + 1000))).toBe(0);
    expect(await finished(run.id)).toHaveLength(1);
    expect((await t.drover.audit.verify()).ok).toBe(true);
  });

  it('two serving processes draining at once append a left-behind event once', async () => {
    const run = await queued();
    await t.drover.store.transition(run.id, ['queued'], 'cancelled', { finishedAt: new Date().toISOString() }, entry(run.id));
    const otherProcess = new AuditLog({ redis: t.redis, prefix: t.prefix });
    const later = new Date(Date.now() + 1000);
    const drained = await Promise.all([t.drover.audit.outbox.drain(later), otherProcess.outbox.drain(later)]);
    expect(drained.sort()).toEqual([0, 1]);
    expect(await finished(run.id)).toHaveLength(1);
    expect((await t.drover.audit.verify()).ok).toBe(true);
  });

  it('a change that is refused leaves no event behind', async () => {
    const run = await queued();
    expect(await t.drover.store.transition(run.id, ['running'], 'succeeded', {}, entry(run.id))).toBe('queued');
    expect(await t.redis.hlen(t.drover.audit.outbox.key)).toBe(0);
  });

  it('a change delivered at once leaves nothing to drain', async () => {
    const run = await queued();
    const cancelled = await t.drover.queue.cancel(run.id, cli);
    expect(cancelled.state).toBe('cancelled');
    expect(await finished(run.id)).toHaveLength(1);
    expect(await t.redis.hlen(t.drover.audit.outbox.key)).toBe(0);
  });

  it('a Kubernetes mutation is held while its request is out: a worker dying then leaves it recorded as "unknown"', async () => {
    seedDemo(t.fake);
    await t.drover.startWorker();
    // The API server takes its time over the scale.
    t.fake.failNext({ method: 'PATCH', pathIncludes: '/deployments/web/scale', delayMs: 1500 });
    const run = await queued();
    const { outbox } = t.drover.audit;
    const held = await waitFor(async () => {
      const entries = Object.values(await t.redis.hgetall(outbox.key)).map((raw) => (JSON.parse(raw) as { e: AuditEvent }).e);
      return entries.find((e) => e.type === 'k8s.mutation' && e.runId === run.id);
    }, 'the mutation in the outbox');
    expect(held).toMatchObject({ verb: 'patch', kind: 'Deployment/scale', namespace: 'demo', name: 'web', outcome: 'unknown' });
    const mutations = async () => (await t.drover.audit.read()).filter((e) => e.type === 'k8s.mutation' && e.runId === run.id);
    expect(await mutations()).toEqual([]);
    // Had the worker died now, the drain would record it: sent, outcome unknown.
    // It did not: the answer arrives, the real outcome is appended and the held copy let go.
    await waitFor(async () => (await t.drover.store.get(run.id))?.state === 'succeeded', 'the run');
    await waitFor(async () => (await mutations()).length === 1, 'the mutation in the audit log');
    expect(await mutations()).toMatchObject([{ outcome: 'succeeded', status: 200 }]);
    await waitFor(async () => (await t.redis.hlen(outbox.key)) === 0, 'the outbox to empty');
    expect(await outbox.drain(new Date(Date.now() + 1000))).toBe(0);
  });
});
