import type { AuditEvent } from '../../../src/audit/events.js';
import type { RunRecord } from '../../../src/jobs/run-record.js';
import { isTerminal } from '../../../src/jobs/run-record.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { seedDemo } from '../../support/seed.js';
import { waitFor } from '../../support/wait-for.js';

const cli = { kind: 'cli' as const, id: 'alice@laptop', name: 'alice' };

async function finished(t: TestDrover, runId: string): Promise<RunRecord> {
  return waitFor(async () => {
    const run = await t.drover.store.get(runId);
    return run && isTerminal(run.state) ? run : undefined;
  }, `run ${runId} to finish`);
}

function types(events: AuditEvent[]): string[] {
  return events.map((e) => (e.type === 'run.step.finished' ? `${e.type}:${e.step}:${e.outcome}` : e.type === 'run.step.started' ? `${e.type}:${e.step}` : e.type));
}

describe('runs end to end: real Redis, real BullMQ worker, fake Kubernetes API', () => {
  let t: TestDrover;

  beforeEach(async () => {
    t = await buildTestDrover();
    seedDemo(t.fake);
    await t.drover.startWorker({ concurrency: 2 });
  });

  afterEach(async () => {
    await t.close();
  });

  it('restart-deployment: the restart patch reaches the API server, the run succeeds, the audit log has it all', async () => {
    const submitted = await t.drover.queue.submit({ runbook: 'restart-deployment', params: { namespace: 'demo', deployment: 'web' }, requester: cli });
    expect(submitted.state).toBe('queued');
    expect(submitted.cluster).toBe('test');

    const run = await finished(t, submitted.id);
    expect(run.state).toBe('succeeded');
    expect(run.attempts).toBe(1);

    const patches = t.fake.requests.filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(1);
    expect(patches[0]!.path).toBe('/apis/apps/v1/namespaces/demo/deployments/web');
    expect(patches[0]!.contentType).toBe('application/strategic-merge-patch+json');
    expect(patches[0]!.query.dryRun).toBeUndefined();
    const stamp = (t.fake.get('deployments', 'demo', 'web') as unknown as { spec: { template: { metadata: { annotations: Record<string, string> } } } }).spec.template
      .metadata.annotations['kubectl.kubernetes.io/restartedAt'];
    expect(stamp).toMatch(/^\d{4}-\d\d-\d\dT/);

    // run.finished goes through the audit outbox in the same step that finishes the run, and
    // reaches the stream just after the state is visible: wait for it rather than race it.
    const audit = await waitFor(async () => {
      const events = await t.drover.audit.forRun(run.id);
      return events.some((e) => e.type === 'run.finished') ? events : undefined;
    }, 'run.finished in the audit log');
    expect(types(audit)).toEqual([
      'run.queued',
      'run.started',
      'run.step.started:check deployment',
      'run.step.finished:check deployment:succeeded',
      'run.step.started:rollout restart',
      'k8s.mutation',
      'run.step.finished:rollout restart:succeeded',
      'run.finished',
    ]);
    expect(audit.find((e) => e.type === 'k8s.mutation')).toMatchObject({
      verb: 'patch',
      kind: 'Deployment',
      namespace: 'demo',
      name: 'web',
      dryRun: false,
      outcome: 'succeeded',
      status: 200,
      cluster: 'test',
    });
    expect(audit.at(-1)).toMatchObject({ type: 'run.finished', outcome: 'succeeded', runbook: 'restart-deployment' });
    expect(audit[0]).toMatchObject({ type: 'run.queued', actor: cli, params: { namespace: 'demo', deployment: 'web' } });
  });

  it('a dry run sends dryRun=All, changes nothing and returns a plan with a diff', async () => {
    const before = JSON.stringify(t.fake.get('deployments', 'demo', 'web'));
    const submitted = await t.drover.queue.submit({
      runbook: 'scale-deployment',
      params: { namespace: 'demo', deployment: 'web', replicas: 5 },
      dryRun: true,
      requester: cli,
    });
    const run = await finished(t, submitted.id);
    expect(run.state).toBe('succeeded');
    expect(JSON.stringify(t.fake.get('deployments', 'demo', 'web'))).toBe(before);

    const writes = t.fake.requests.filter((r) => !['GET', 'HEAD'].includes(r.method));
    expect(writes.length).toBeGreaterThan(0);
    for (const w of writes) expect(w.query.dryRun).toBe('All');

    const plan = await t.drover.store.changes(run.id);
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({ verb: 'patch', kind: 'Deployment/scale', namespace: 'demo', name: 'web', dryRun: true });
    expect(plan[0]!.summary).toMatch(/3 → 5/);
    expect(plan[0]!.diff).toMatch(/^-\s+replicas: 3$/m);
    expect(plan[0]!.diff).toMatch(/^\+\s+replicas: 5$/m);
    const mutation = (await t.drover.audit.forRun(run.id)).find((e) => e.type === 'k8s.mutation');
    expect(mutation).toMatchObject({ dryRun: true, outcome: 'succeeded' });
  });

  it('a 409 conflict is retried, completed steps are not repeated, and the run succeeds', async () => {
    t.fake.failNext({ method: 'PATCH', pathIncludes: '/deployments/web', status: 409, times: 1 });
    const submitted = await t.drover.queue.submit({ runbook: 'restart-deployment', params: { namespace: 'demo', deployment: 'web' }, requester: cli });
    const run = await finished(t, submitted.id);
    expect(run.state).toBe('succeeded');
    expect(run.attempts).toBe(2);
    const patches = t.fake.requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((p) => p.status)).toEqual([409, 200]);
    const audit = types(await t.drover.audit.forRun(run.id));
    expect(audit).toContain('run.retrying');
    expect(audit).toContain('run.step.finished:check deployment:replayed');
    expect(audit.filter((e) => e === 'run.step.finished:check deployment:succeeded')).toHaveLength(1);
  });

  it('a 403 fails at once, not retried, with the API server\'s reason', async () => {
    t.fake.forbid({ verb: 'patch', resource: 'deployments' });
    const submitted = await t.drover.queue.submit({ runbook: 'restart-deployment', params: { namespace: 'demo', deployment: 'web' }, requester: cli });
    const run = await finished(t, submitted.id);
    expect(run.state).toBe('failed');
    expect(run.attempts).toBe(1);
    expect(run.error?.code).toBe('k8s_forbidden');
    expect(run.error?.message).toMatch(/forbidden/i);
    expect(run.error?.message).toMatch(/cannot patch resource "deployments"/);
    expect(t.fake.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    const mutation = (await t.drover.audit.forRun(run.id)).find((e) => e.type === 'k8s.mutation');
    expect(mutation).toMatchObject({ outcome: 'failed', status: 403, errorCode: 'k8s_forbidden' });
  });

  it('a 404 fails at once naming the missing object', async () => {
    const submitted = await t.drover.queue.submit({ runbook: 'restart-deployment', params: { namespace: 'demo', deployment: 'nope' }, requester: cli });
    const run = await finished(t, submitted.id);
    expect(run).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'k8s_not_found' } });
    expect(run.error?.message).toMatch(/"nope" not found/);
  });

  it('a runbook\'s refusal fails at once with its reason: delete-pod on a pod without a controller', async () => {
    const submitted = await t.drover.queue.submit({ runbook: 'delete-pod', params: { namespace: 'demo', pod: 'debug-shell' }, requester: cli });
    const run = await finished(t, submitted.id);
    expect(run).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'runbook_refused' } });
    expect(run.error?.message).toMatch(/no controller owns it/);
    expect(t.fake.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
    expect(t.fake.get('pods', 'demo', 'debug-shell')).toBeDefined();
  });

  it('delete-pod deletes a pod that has a controller, bound to its uid', async () => {
    const pod = t.fake.list('pods', 'demo', { labelSelector: 'app=web' })[0]!;
    const submitted = await t.drover.queue.submit({ runbook: 'delete-pod', params: { namespace: 'demo', pod: pod.metadata.name! }, requester: cli });
    const run = await finished(t, submitted.id);
    expect(run.state).toBe('succeeded');
    const del = t.fake.requests.find((r) => r.method === 'DELETE');
    expect(del?.body).toMatchObject({ preconditions: { uid: pod.metadata.uid } });
    expect(t.fake.get('pods', 'demo', pod.metadata.name!)).toBeUndefined();
  });

  it('scale-deployment refuses what is out of bounds before touching the cluster', async () => {
    await expect(
      t.drover.queue.submit({ runbook: 'scale-deployment', params: { namespace: 'demo', deployment: 'web', replicas: 500 }, requester: cli }),
    ).rejects.toThrow(/replicas must be at most 50/);
    const submitted = await t.drover.queue.submit({ runbook: 'scale-deployment', params: { namespace: 'demo', deployment: 'web', replicas: 40 }, requester: cli });
    const run = await finished(t, submitted.id);
    expect(run).toMatchObject({ state: 'failed', error: { code: 'runbook_refused' } });
    expect(run.error?.message).toMatch(/more than 4x at once/);
    expect(t.fake.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);
  });

  it('an unknown cluster or invalid params are refused at submission and nothing is queued', async () => {
    await expect(
      t.drover.queue.submit({ runbook: 'restart-deployment', params: { namespace: 'demo', deployment: 'web' }, cluster: 'prod', requester: cli }),
    ).rejects.toThrow('Unknown cluster "prod". Known clusters: test (default: test).');
    await expect(t.drover.queue.submit({ runbook: 'restart-deployment', params: { namespace: 'demo' }, requester: cli })).rejects.toThrow(
      /deployment is required/,
    );
    expect(await t.drover.store.recent()).toEqual([]);
    expect(await t.drover.queue.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed')).toEqual({
      waiting: 0,
      active: 0,
      delayed: 0,
      completed: 0,
      failed: 0,
    });
  });

  it('submitting the same run id twice creates one run', async () => {
    const a = await t.drover.queue.submit({ runbook: 'restart-deployment', params: { namespace: 'demo', deployment: 'web' }, requester: cli, runId: 'same-id-1' });
    const b = await t.drover.queue.submit({ runbook: 'restart-deployment', params: { namespace: 'demo', deployment: 'web' }, requester: cli, runId: 'same-id-1' });
    expect(b.id).toBe(a.id);
    await finished(t, a.id);
    expect(t.fake.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });
});
