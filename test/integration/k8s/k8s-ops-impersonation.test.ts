/**
 * ctx.k8s with an identity: every request, from every API client K8sOps
 * builds, reaches the fake with one Impersonate-User line and one
 * Impersonate-Group line per group, on top of the kubeconfig's own token.
 */
import { DroverError } from '../../../src/errors.js';
import { createK8sOps } from '../../../src/k8s/ops.js';
import type { K8sIdentity, K8sOps } from '../../../src/k8s/types.js';
import { startK8sFake, type K8sFake } from '../../../src/testing/index.js';
import { deployment, namespace, node } from './fake-helpers.js';

const alice: K8sIdentity = { user: 'alice@example.com', groups: ['sre', 'system:authenticated', 'team:payments'] };

let fake: K8sFake;

beforeEach(async () => {
  fake = await startK8sFake({ token: 'bot-token' });
  fake.seed(namespace('shop'), deployment('web', { namespace: 'shop', replicas: 2 }), node('node-a'));
  fake.seedPodsFor('shop', 'web', 2);
  fake.clearRequests();
});

afterEach(async () => {
  await fake.stop();
});

function ops(impersonate?: K8sIdentity, kubeConfig = fake.kubeConfig()): K8sOps {
  return createK8sOps({ cluster: 'prod-eu', kubeConfig, dryRun: false, ...(impersonate ? { impersonate } : {}) });
}

/** Calls every API client K8sOps holds (apps, core, autoscaling, storage, batch); misses are fine. */
async function touchEveryClient(k8s: K8sOps): Promise<void> {
  await k8s.getDeployment('shop', 'web');
  await k8s.scaleDeployment('shop', 'web', 3);
  await k8s.listPods('shop');
  await k8s.getNode('node-a');
  await k8s.getHpa('shop', 'web').catch(() => undefined);
  await k8s.getPvc('shop', 'data').catch(() => undefined);
  await k8s.getJob('shop', 'nightly').catch(() => undefined);
}

test('every request carries Impersonate-User and one Impersonate-Group line per group, and the bot\'s token', async () => {
  await touchEveryClient(ops(alice));
  const paths = fake.requests.map((r) => r.path);
  expect(paths).toEqual(
    expect.arrayContaining([
      '/apis/apps/v1/namespaces/shop/deployments/web/scale',
      '/api/v1/namespaces/shop/pods',
      '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web',
      '/api/v1/namespaces/shop/persistentvolumeclaims/data',
      '/apis/batch/v1/namespaces/shop/jobs/nightly',
    ]),
  );
  for (const r of fake.requests) {
    expect({ path: r.path, user: r.impersonateUser, groups: r.impersonateGroups, auth: r.headers.authorization }).toEqual({
      path: r.path,
      user: 'alice@example.com',
      // Separate lines on the wire: a comma-joined value would be one entry here.
      groups: ['sre', 'system:authenticated', 'team:payments'],
      auth: 'Bearer bot-token',
    });
  }
  expect(fake.get('deployments', 'shop', 'web')).toMatchObject({ spec: { replicas: 3 } });
});

test('without an identity, no impersonation header is sent', async () => {
  await touchEveryClient(ops());
  expect(fake.requests.length).toBeGreaterThan(5);
  for (const r of fake.requests) {
    expect(r.impersonateUser).toBeUndefined();
    expect(r.impersonateGroups).toEqual([]);
    expect(Object.keys(r.headers).filter((h) => h.startsWith('impersonate-'))).toEqual([]);
  }
});

test('an identity with no groups sends Impersonate-User alone', async () => {
  await ops({ user: 'bob', groups: [] }).getDeployment('shop', 'web');
  expect(fake.requests.at(-1)).toMatchObject({ impersonateUser: 'bob', impersonateGroups: [] });
});

test('the run\'s identity replaces the kubeconfig\'s own `as:`, sent once', async () => {
  const kc = fake.kubeConfig();
  kc.users = kc.users.map((u) => ({ ...u, impersonateUser: 'kubeconfig-as' }));
  await ops(undefined, kc).getDeployment('shop', 'web');
  expect(fake.requests.at(-1)?.impersonateUser).toBe('kubeconfig-as');
  await ops(alice, kc).getDeployment('shop', 'web');
  expect(fake.requests.at(-1)?.headers['impersonate-user']).toBe('alice@example.com');
});

test('the cluster\'s RBAC decides for the impersonated user: a refusal is k8s_forbidden with the server\'s message', async () => {
  fake.setAuthorizer((identity, attrs) => !(identity.user === 'alice@example.com' && attrs.verb === 'patch'));
  const k8s = ops(alice);
  await expect(k8s.getDeployment('shop', 'web')).resolves.toMatchObject({ metadata: { name: 'web' } });
  const err = await k8s.scaleDeployment('shop', 'web', 5).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DroverError);
  expect(err).toMatchObject({ code: 'k8s_forbidden', retryable: false, details: { status: 403, reason: 'Forbidden' } });
  expect((err as DroverError).message).toBe(
    'cluster "prod-eu": deployments.apps "web" is forbidden: User "alice@example.com" cannot patch resource "deployments/scale" in API group "apps" in the namespace "shop"',
  );
  // The bot itself is not refused.
  await expect(ops().scaleDeployment('shop', 'web', 5)).resolves.toMatchObject({ summary: expect.stringContaining('2 → 5') as unknown });
});
