/**
 * Runs on an impersonating cluster, end to end: real Redis and BullMQ worker,
 * the factory in app.ts picking the requester's Kubernetes identity from the
 * configuration, and the fake API server seeing (and authorizing) it.
 */
import type { Config } from '../../../src/config/schema.js';
import { isTerminal, type RunRecord } from '../../../src/jobs/run-record.js';
import type { Requester } from '../../../src/runbook/types.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { seedDemo } from '../../support/seed.js';
import { waitFor } from '../../support/wait-for.js';

const alice: Requester = { kind: 'slack', id: 'U012ABCDEF', name: 'alice' };
const stranger: Requester = { kind: 'slack', id: 'U999', name: 'mallory' };
const alert: Requester = { kind: 'alert', id: '5e1f0c2a9b', name: 'KubeDeploymentReplicasMismatch' };
const restart = { runbook: 'restart-deployment', params: { namespace: 'demo', deployment: 'web' } };

async function finished(t: TestDrover, runId: string): Promise<RunRecord> {
  return waitFor(async () => {
    const run = await t.drover.store.get(runId);
    return run && isTerminal(run.state) ? run : undefined;
  }, `run ${runId} to finish`);
}

async function start(configure: (c: Config) => void): Promise<TestDrover> {
  const t = await buildTestDrover({ configure });
  seedDemo(t.fake);
  t.fake.clearRequests();
  await t.drover.startWorker({ concurrency: 1 });
  return t;
}

describe('a cluster that impersonates', () => {
  let t: TestDrover;

  beforeEach(async () => {
    t = await start((c) => {
      c.clusters.impersonation = {
        test: {
          users: { U012ABCDEF: { user: 'alice@example.com', groups: ['sre', 'oncall'] } },
          automation: { user: 'drover-automation', groups: ['drover-automation'] },
        },
      };
    });
  });

  afterEach(async () => {
    await t.close();
  });

  it('sends the requester\'s Impersonate-User and one Impersonate-Group line per group on every request', async () => {
    const run = await finished(t, (await t.drover.queue.submit({ ...restart, requester: alice })).id);
    expect(run.state).toBe('succeeded');
    expect(t.fake.requests.some((r) => r.method === 'PATCH')).toBe(true);
    for (const r of t.fake.requests) {
      expect({ method: r.method, user: r.impersonateUser, groups: r.impersonateGroups }).toEqual({
        method: r.method,
        user: 'alice@example.com',
        groups: ['sre', 'oncall'],
      });
    }
  });

  it('a run the cluster\'s RBAC forbids for that user fails at once with the 403 reason, not retried', async () => {
    t.fake.setAuthorizer((identity, attrs) => !(identity.user === 'alice@example.com' && attrs.verb === 'patch'));
    const run = await finished(t, (await t.drover.queue.submit({ ...restart, requester: alice })).id);
    expect(run).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'k8s_forbidden' } });
    expect(run.error?.message).toBe(
      'cluster "test": deployments.apps "web" is forbidden: User "alice@example.com" cannot patch resource "deployments" in API group "apps" in the namespace "demo"',
    );
    expect(t.fake.requests.filter((r) => r.method === 'PATCH').map((r) => r.status)).toEqual([403]);
    const mutation = (await t.drover.audit.forRun(run.id)).find((e) => e.type === 'k8s.mutation');
    expect(mutation).toMatchObject({ outcome: 'failed', status: 403, errorCode: 'k8s_forbidden' });
  });

  it('an alert-triggered run acts as the automation identity', async () => {
    const run = await finished(t, (await t.drover.queue.submit({ ...restart, requester: alert })).id);
    expect(run.state).toBe('succeeded');
    expect(t.fake.requests.length).toBeGreaterThan(0);
    for (const r of t.fake.requests) {
      expect({ user: r.impersonateUser, groups: r.impersonateGroups }).toEqual({ user: 'drover-automation', groups: ['drover-automation'] });
    }
  });

  it('a requester with no Kubernetes identity is refused before any request, not retried', async () => {
    const run = await finished(t, (await t.drover.queue.submit({ ...restart, requester: stranger })).id);
    expect(run).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: { code: 'permission_denied', message: 'Cluster test impersonates requesters, and U999 has no Kubernetes identity configured.' },
    });
    expect(t.fake.requests).toHaveLength(0);
  });
});

describe('a cluster that does not impersonate', () => {
  let t: TestDrover;

  beforeEach(async () => {
    t = await start((c) => {
      c.clusters.impersonation = { elsewhere: { users: { U012ABCDEF: { user: 'alice@example.com', groups: ['sre'] } } } };
    });
  });

  afterEach(async () => {
    await t.close();
  });

  it('sends no impersonation header, whoever asks', async () => {
    for (const requester of [alice, stranger, alert]) {
      const run = await finished(t, (await t.drover.queue.submit({ ...restart, requester })).id);
      expect(run.state).toBe('succeeded');
    }
    expect(t.fake.requests.length).toBeGreaterThan(0);
    for (const r of t.fake.requests) {
      expect(r.impersonateUser).toBeUndefined();
      expect(r.impersonateGroups).toEqual([]);
    }
  });
});
