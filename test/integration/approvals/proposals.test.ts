import { pino } from 'pino';
import { Approvals } from '../../../src/approvals/approvals.js';
import { ProposalStore } from '../../../src/approvals/proposal-store.js';
import { parsePolicy } from '../../../src/policy/index.js';
import type { RunRecord } from '../../../src/jobs/run-record.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { seedDemo } from '../../support/seed.js';
import { waitFor } from '../../support/wait-for.js';

const POLICY = `
groups:
  ops: [U0ALICE, U0BOB, U0CAROL]
rules:
  - groups: [ops]
    runbooks: ['*']
    clusters: ['*']
approvals:
  - runbooks: [scale-deployment]
    require: { approvals: 1, from: ops, within: 15m }
`;

const ALICE = { kind: 'slack' as const, id: 'U0ALICE' };
const BOB = { kind: 'slack' as const, id: 'U0BOB' };
const CAROL = { kind: 'slack' as const, id: 'U0CAROL' };

describe('proposals in Redis', () => {
  let t: TestDrover;

  beforeAll(async () => {
    t = await buildTestDrover({ policy: { document: parsePolicy(POLICY, 'test') } });
    seedDemo(t.fake);
    await t.drover.startWorker();
  });

  afterAll(async () => {
    await t.close();
  });

  /** The same approvals, in another process whose clock is `offsetMs` ahead. */
  function approvalsAt(offsetMs: number): Approvals {
    return new Approvals({
      proposals: new ProposalStore(t.redis, t.prefix, t.drover.store, t.drover.audit),
      store: t.drover.store,
      queue: t.drover.queue,
      runbooks: t.drover.runbooks,
      policy: t.drover.policy,
      audit: t.drover.audit,
      logger: pino({ level: 'silent' }),
      retentionMs: 60_000,
      now: () => new Date(Date.now() + offsetMs),
    });
  }

  async function propose(replicas: number): Promise<RunRecord> {
    const run = await t.drover.gate.submit({ runbook: 'scale-deployment', params: { namespace: 'demo', deployment: 'web', replicas }, requester: ALICE });
    expect(run.state).toBe('planning');
    return waitFor(async () => {
      const r = await t.drover.store.get(run.id);
      return r?.state === 'awaiting_approval' ? r : undefined;
    }, 'the plan');
  }

  it('two approvers clicking at once: one approval queues the run, exactly once', async () => {
    const run = await propose(4);
    const hash = run.approval?.hash ?? '';
    const outcomes = await Promise.allSettled([t.drover.approvals.approve(run.id, BOB, hash), t.drover.approvals.approve(run.id, CAROL, hash)]);
    const kinds = outcomes.map((o) => (o.status === 'fulfilled' ? o.value.kind : (o.reason as Error).message));
    expect(kinds.filter((k) => k === 'approved')).toHaveLength(1);
    expect(kinds.find((k) => k !== 'approved')).toMatch(/queued; there is nothing to approve/);
    await waitFor(async () => (await t.drover.store.get(run.id))?.state === 'succeeded', 'the run');
    const started = (await t.drover.audit.read()).filter((e) => e.type === 'run.started' && e.runId === run.id);
    expect(started).toHaveLength(1);
  });

  it('an approved run whose releaser died is queued by the sweep, and its approval audited', async () => {
    const run = await propose(5);
    // Approve at the Redis level only, as if the process died before auditing it and adding the job.
    const proposals = new ProposalStore(t.redis, t.prefix, t.drover.store, t.drover.audit);
    expect((await proposals.approve(run.id, BOB, run.approval?.hash ?? '', new Date())).kind).toBe('approved');
    expect(await t.drover.queue.queue.getJob(run.id)).toBeUndefined();
    const granted = async () => (await t.drover.audit.read()).filter((e) => e.type === 'approval.granted' && e.runId === run.id);
    expect(await granted()).toEqual([]);
    // A sweep soon after leaves it to the releaser; 30 s later it takes over.
    const later = approvalsAt(31_000);
    await t.drover.approvals.sweep();
    expect(await t.drover.queue.queue.getJob(run.id)).toBeUndefined();
    expect(await granted()).toEqual([]);
    await later.sweep();
    await waitFor(async () => (await t.drover.audit.read()).some((e) => e.type === 'run.finished' && e.runId === run.id), 'the stranded run');
    expect((await t.drover.store.get(run.id))?.state).toBe('succeeded');
    expect((t.fake.get('deployments', 'demo', 'web') as unknown as { spec: { replicas: number } }).spec.replicas).toBe(5);
    // The approval that made it run was left in the audit outbox by the approve script itself. The
    // drain leaves recent entries to the process that is appending them, and appends older ones, once.
    const { outbox } = t.drover.audit;
    expect(await outbox.drain(new Date(Date.now() - 30_000))).toBe(0);
    expect(await granted()).toEqual([]);
    expect(await outbox.drain(new Date(Date.now() + 31_000))).toBe(1);
    expect(await granted()).toMatchObject([{ actor: BOB, planHash: run.approval?.hash, approvals: 1, needed: 1 }]);
    expect(await outbox.drain(new Date(Date.now() + 31_000))).toBe(0);
    expect(await granted()).toHaveLength(1);
    expect((await t.drover.audit.verify()).ok).toBe(true);
  });

  it('an approval and a run audited at once leave nothing in the outbox', async () => {
    const run = await propose(5); // the size the next tests expect
    expect((await t.drover.approvals.approve(run.id, BOB, run.approval?.hash ?? '')).kind).toBe('approved');
    await waitFor(async () => (await t.drover.audit.read()).some((e) => e.type === 'run.finished' && e.runId === run.id), 'the run');
    expect(await t.redis.hlen(t.drover.audit.outbox.key)).toBe(0);
    expect(await t.drover.audit.outbox.drain(new Date(Date.now() + 31_000))).toBe(0);
    const audited = (await t.drover.audit.read()).filter((e) => 'runId' in e && e.runId === run.id).map((e) => e.type);
    expect(audited.filter((type) => type === 'approval.granted' || type === 'run.finished')).toEqual(['approval.granted', 'run.finished']);
  });

  it('an approval that arrives after the expiry, before any sweep, expires the run instead', async () => {
    const run = await propose(6);
    const late = approvalsAt(16 * 60_000);
    await expect(late.approve(run.id, BOB, run.approval?.hash ?? '')).rejects.toThrow(/expired; nothing was changed/);
    expect((await t.drover.store.get(run.id))?.state).toBe('expired');
    expect((t.fake.get('deployments', 'demo', 'web') as unknown as { spec: { replicas: number } }).spec.replicas).toBe(5);
  });

  it('cancelling a held run ends it; the plan job is gone and nothing runs', async () => {
    const run = await propose(7);
    const cancelled = await t.drover.queue.cancel(run.id, ALICE);
    expect(cancelled.state).toBe('cancelled');
    await expect(t.drover.approvals.approve(run.id, BOB, run.approval?.hash ?? '')).rejects.toThrow(/cancelled/);
    expect(await t.redis.zscore(`${t.prefix}:approvals:expiry`, `${t.prefix}:run:${run.id}`)).toBeNull();
  });

  it('a plan that meets a 409 is retried and the proposal still opens; a 403 ends it as failed', async () => {
    t.fake.failNext({ method: 'PATCH', pathIncludes: 'dryRun=All', status: 409, times: 1 });
    const retried = await propose(3);
    expect(retried.approval?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await t.drover.store.events(retried.id)).some((e) => e.type === 'retry')).toBe(true);
    await t.drover.queue.cancel(retried.id, ALICE);

    t.fake.failNext({ method: 'PATCH', pathIncludes: 'dryRun=All', status: 403, times: 1 });
    const run = await t.drover.gate.submit({ runbook: 'scale-deployment', params: { namespace: 'demo', deployment: 'web', replicas: 2 }, requester: ALICE });
    const failed = await waitFor(async () => {
      const r = await t.drover.store.get(run.id);
      return r?.state === 'failed' ? r : undefined;
    }, 'the failed plan');
    expect(failed.error?.message).toMatch(/^The dry run for approval failed: /);
    expect(await t.redis.zscore(`${t.prefix}:approvals:expiry`, `${t.prefix}:run:${run.id}`)).toBeNull();
  });
});
