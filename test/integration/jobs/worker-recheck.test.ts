import { isTerminal, type ApprovalState, type RunRecord } from '../../../src/jobs/run-record.js';
import { parsePolicy } from '../../../src/policy/index.js';
import { ALLOW_ALL_POLICY, buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { runDroverProcess } from '../../support/cli-process.js';
import { seedDemo } from '../../support/seed.js';
import { waitFor } from '../../support/wait-for.js';

// The worker's own policy: CLI users may only scale, and only with an approval from ops.
const WORKER_POLICY = `
groups:
  ops: [U0OPS]
  devs: ['cli:*']
rules:
  - groups: [ops]
    runbooks: ['*']
    clusters: ['*']
  - groups: [devs]
    runbooks: [scale-deployment]
    clusters: ['*']
approvals:
  - runbooks: [scale-deployment]
    require: { approvals: 1, from: ops }
`;

async function finished(t: TestDrover, runId: string): Promise<RunRecord> {
  return waitFor(async () => {
    const run = await t.drover.store.get(runId);
    return run && isTerminal(run.state) ? run : undefined;
  }, `run ${runId} to end`, 15_000);
}

describe('the worker checks every run again with its own policy', () => {
  let t: TestDrover;

  beforeAll(async () => {
    t = await buildTestDrover({ policy: { document: parsePolicy(WORKER_POLICY, 'worker policy') } });
    seedDemo(t.fake);
    await t.drover.startWorker();
  });

  afterAll(async () => {
    await t.close();
  });

  /** `drover run` in its own process, with a permissive policy file of the user's own. */
  async function cliRun(args: string[]): Promise<string> {
    const r = await runDroverProcess(['run', ...args], { DROVER_REDIS_PREFIX: t.prefix, DROVER_POLICY: ALLOW_ALL_POLICY });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    return /^Run (\S+) queued/m.exec(r.out)![1]!;
  }

  it('refuses a run a CLI queued under its own permissive DROVER_POLICY: not started, nothing sent to Kubernetes', async () => {
    const before = t.fake.requests.length;
    const runId = await cliRun(['restart-deployment', 'namespace=demo', 'deployment=web']);
    const run = await finished(t, runId);
    expect(run.state).toBe('failed');
    expect(run.error?.code).toBe('permission_denied');
    expect(run.error?.message).toMatch(/^The worker's policy refuses this run\. Denied: no rule lets cli:\S+ \(groups: devs\) run restart-deployment on test/);
    expect(run.startedAt).toBeUndefined();
    expect(t.fake.requests.length).toBe(before);
    // run.finished leaves the outbox just after the state changes: wait for it rather than race it.
    const audit = await waitFor(async () => {
      const events = await t.drover.audit.forRun(runId);
      return events.some((e) => e.type === 'run.finished') && events;
    }, 'run.finished in the audit log');
    expect(audit.map((e) => e.type)).toEqual(['run.queued', 'run.refused', 'run.finished']);
    expect(audit[1]).toMatchObject({ by: 'worker', code: 'permission_denied', actor: { kind: 'cli' } });
    // Not retried: one attempt, refused before it began.
    expect(run.attempts).toBe(0);
  }, 40_000);

  it('refuses a run its policy holds for approval when it was queued without one', async () => {
    const before = t.fake.requests.length;
    const runId = await cliRun(['scale-deployment', 'namespace=demo', 'deployment=web', 'replicas=7']);
    const run = await finished(t, runId);
    expect(run.state).toBe('failed');
    expect(run.error?.code).toBe('approval_refused');
    expect(run.error?.message).toMatch(/requires 1 approval\(s\) .* queued without any\. Nothing was changed\.$/);
    expect(t.fake.requests.length).toBe(before);
    expect((await t.drover.audit.forRun(runId)).some((e) => e.type === 'run.refused' && e.code === 'approval_refused')).toBe(true);
  }, 40_000);

  describe('a run whose approval record was forged', () => {
    const requester = { kind: 'cli' as const, id: 'mallory@laptop', name: 'mallory@laptop' };
    const forged = async (approval: Partial<ApprovalState>): Promise<RunRecord> => {
      const prepared = await t.drover.queue.prepare({ runbook: 'scale-deployment', params: { namespace: 'demo', deployment: 'web', replicas: 9 }, requester });
      const record: RunRecord = {
        ...prepared.record,
        approval: { needed: 1, reason: 'forged', timeoutMs: 60_000, approvers: [], ...approval },
      };
      const run = await t.drover.queue.submitPrepared({ ...prepared, record });
      return finished(t, run.id);
    };

    it.each([
      ['no approvers', { hash: 'x'.repeat(64) }, /has 0 of the 1 approval/],
      ['no plan hash', { approvers: [{ kind: 'slack' as const, id: 'U0OPS' }], hash: '' }, /bound to no plan/],
      ['the requester approving', { approvers: [requester], hash: 'x'.repeat(64) }, /the requester is among its approvers/],
      ['an approver the policy does not count', { approvers: [{ kind: 'slack' as const, id: 'U0MALLORY' }], hash: 'x'.repeat(64) }, /U0MALLORY may not approve it/],
    ])('is refused: %s', async (_name, approval, reason) => {
      const before = t.fake.requests.length;
      const run = await forged(approval);
      expect(run.state).toBe('failed');
      expect(run.error?.code).toBe('approval_refused');
      expect(run.error?.message).toMatch(reason);
      expect(t.fake.requests.length).toBe(before);
      expect((await t.drover.audit.forRun(run.id)).filter((e) => e.type === 'run.refused')).toHaveLength(1);
    });

    it('with an approver the policy counts but a made-up plan hash, is void before it changes anything', async () => {
      const before = t.fake.requests.length;
      const run = await forged({ approvers: [{ kind: 'slack', id: 'U0OPS' }], hash: 'f'.repeat(64) });
      expect(run.state).toBe('failed');
      expect(run.error?.code).toBe('approval_void');
      // Only reads and the dry run that found the plan is not the one "approved".
      const writes = t.fake.requests.slice(before).filter((r) => r.method !== 'GET' && r.query.dryRun !== 'All');
      expect(writes).toEqual([]);
    });
  });
});
