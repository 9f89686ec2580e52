/**
 * Impersonation decided by a real API server's RBAC: Drover's own identity
 * may only impersonate, the requester's Kubernetes identity decides what the
 * run may do, and a refusal comes back in the server's words. (The fake
 * records the headers but never checks the `impersonate` verb.)
 */
import { AppsV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { isTerminal, type RunRecord } from '../../src/jobs/run-record.js';
import type { Requester } from '../../src/runbook/types.js';
import { buildDroverOn, type ClusterDrover } from '../support/test-drover.js';
import { waitFor } from '../support/wait-for.js';
import { TOKENS } from './cluster.js';
import { freshNamespace, useRealKube } from './support.js';

const kube = useRealKube();
const alice: Requester = { kind: 'slack', id: 'U0ALICE', name: 'alice' };
const bob: Requester = { kind: 'slack', id: 'U0BOB', name: 'bob' };

let t: ClusterDrover;
let namespace: string;

async function finished(runId: string): Promise<RunRecord> {
  return waitFor(async () => {
    const run = await t.drover.store.get(runId);
    return run && isTerminal(run.state) ? run : undefined;
  }, `run ${runId} to finish`, 30_000);
}

beforeAll(async () => {
  const kc = kube().kubeConfig();
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  namespace = await freshNamespace(kube(), 'imp');
  await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'web' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
    },
  });
  // Drover's identity: impersonation of two named users and the group sre, nothing else.
  await rbac.createClusterRole({
    body: {
      metadata: { name: `${namespace}-impersonator` },
      rules: [
        { apiGroups: [''], resources: ['users'], verbs: ['impersonate'], resourceNames: ['alice@example.com', 'bob@example.com'] },
        { apiGroups: [''], resources: ['groups'], verbs: ['impersonate'], resourceNames: ['sre', 'viewers'] },
      ],
    },
  });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: `${namespace}-impersonator` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${namespace}-impersonator` },
      subjects: [{ kind: 'User', name: 'drover-bot', apiGroup: 'rbac.authorization.k8s.io' }],
    },
  });
  // Group sre may restart deployments in this namespace.
  await rbac.createNamespacedRole({
    namespace,
    body: { metadata: { name: 'restarter' }, rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] }] },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'sre-restarts' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'restarter' },
      subjects: [{ kind: 'Group', name: 'sre', apiGroup: 'rbac.authorization.k8s.io' }],
    },
  });
  const k = kube();
  t = await buildDroverOn(
    { server: k.url, kubeConfig: k.kubeConfig(TOKENS.bot), source: 'kubeconfig' },
    {
      configure: (c) => {
        c.clusters.impersonation = {
          test: {
            users: {
              U0ALICE: { user: 'alice@example.com', groups: ['sre'] },
              U0BOB: { user: 'bob@example.com', groups: ['viewers'] },
              U0EVE: { user: 'eve@example.com', groups: [] },
            },
          },
        };
      },
    },
  );
  await t.drover.startWorker({ concurrency: 1 });
}, 120_000);

afterAll(async () => {
  await t.close();
});

const restart = () => ({ runbook: 'restart-deployment', params: { namespace, deployment: 'web' } });

it('a requester whose group may patch restarts the deployment, as seen by an independent read', async () => {
  const run = await finished((await t.drover.queue.submit({ ...restart(), requester: alice })).id);
  expect(run.state).toBe('succeeded');
  const web = await kube().kubeConfig().makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace, name: 'web' });
  expect(web.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeDefined();
});

it('a requester the cluster\'s RBAC does not allow fails at once with the server\'s reason', async () => {
  const run = await finished((await t.drover.queue.submit({ ...restart(), requester: bob })).id);
  expect(run).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'k8s_forbidden' } });
  expect(run.error?.message).toBe(
    `cluster "test": deployments.apps "web" is forbidden: User "bob@example.com" cannot get resource "deployments" in API group "apps" in the namespace "${namespace}"`,
  );
});

it('an identity Drover may not impersonate is refused by the server, naming what Drover lacks', async () => {
  const eve: Requester = { kind: 'slack', id: 'U0EVE', name: 'eve' };
  const run = await finished((await t.drover.queue.submit({ ...restart(), requester: eve })).id);
  expect(run).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'k8s_forbidden' } });
  expect(run.error?.message).toBe('cluster "test": users "eve@example.com" is forbidden: User "drover-bot" cannot impersonate resource "users" in API group "" at the cluster scope');
});
