/**
 * The fake's control API: request recording, fault injection, deny rules,
 * token auth, kubeconfigs and the sandbox seed.
 */
import { AppsV1Api, CoreV1Api, FetchError, KubeConfig, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { seedSandbox, startK8sFake, type K8sFake } from '../../../src/testing/index.js';
import { deployment, failure, field, namespace, node, raw } from './fake-helpers.js';

let fake: K8sFake;
let apps: AppsV1Api;

beforeEach(async () => {
  fake = await startK8sFake({ token: 's3cret' });
  fake.seed(namespace('demo'), namespace('prod'), deployment('web'), deployment('web', { namespace: 'prod' }), node('node-a'));
  apps = fake.kubeConfig().makeApiClient(AppsV1Api);
});

afterEach(async () => {
  await fake.stop();
});

test('every request is recorded with method, path, query, headers and parsed body', async () => {
  const kc = fake.kubeConfig({ userName: 'bot' });
  kc.users = kc.users.map((u) => ({ ...u, impersonateUser: 'alice' }));
  const impersonating = kc.makeApiClient(AppsV1Api);
  await impersonating.patchNamespacedDeploymentScale(
    { name: 'web', namespace: 'demo', body: { spec: { replicas: 3 } }, dryRun: 'All' },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  const last = fake.requests.at(-1);
  expect(last).toMatchObject({
    method: 'PATCH',
    path: '/apis/apps/v1/namespaces/demo/deployments/web/scale',
    query: { dryRun: 'All' },
    contentType: 'application/merge-patch+json',
    body: { spec: { replicas: 3 } },
    status: 200,
  });
  expect(last?.headers['impersonate-user']).toBe('alice');
  expect(last?.headers.authorization).toBe('Bearer s3cret');
  fake.clearRequests();
  expect(fake.requests).toHaveLength(0);
});

test('failNext injects one failure, then the server answers normally', async () => {
  fake.failNext({ method: 'GET', pathIncludes: '/deployments/web', status: 409 });
  const first = await failure(apps.readNamespacedDeployment({ name: 'web', namespace: 'demo' }));
  expect(first.code).toBe(409);
  expect(first.status).toMatchObject({ kind: 'Status', reason: 'Conflict' });
  expect((await apps.readNamespacedDeployment({ name: 'web', namespace: 'demo' })).metadata?.name).toBe('web');
});

test('failNext: times, regex and method matching, Retry-After, custom reason', async () => {
  fake.failNext({ pathRegex: /namespaces\/prod\//, status: 429, retryAfterSeconds: 4, times: 2 });
  fake.failNext({ method: 'DELETE', status: 500, message: 'etcdserver: request timed out' });
  for (let i = 0; i < 2; i++) {
    const throttled = await failure(apps.readNamespacedDeployment({ name: 'web', namespace: 'prod' }));
    expect(throttled.code).toBe(429);
    expect(throttled.headers['retry-after']).toBe('4');
    expect(throttled.status).toMatchObject({ reason: 'TooManyRequests', details: { retryAfterSeconds: 4 } });
  }
  await apps.readNamespacedDeployment({ name: 'web', namespace: 'prod' });
  await apps.readNamespacedDeployment({ name: 'web', namespace: 'demo' });
  const server = await failure(apps.deleteNamespacedDeployment({ name: 'web', namespace: 'demo' }));
  expect(server.status).toMatchObject({ code: 500, reason: 'InternalError', message: 'etcdserver: request timed out' });
  expect(fake.get('deployments', 'demo', 'web')).toBeDefined();
});

test('failNext with neither status nor drop is a 500', async () => {
  fake.failNext({ pathIncludes: '/nodes' });
  const core = fake.kubeConfig().makeApiClient(CoreV1Api);
  expect((await failure(core.listNode())).status).toMatchObject({ code: 500, reason: 'InternalError' });
  expect((await core.listNode()).items).toHaveLength(1);
});

test('seed accepts typed client models: Dates become wire timestamps, defaults are filled', () => {
  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'typed', namespace: 'demo', creationTimestamp: new Date('2024-05-06T07:08:09Z') },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  };
  fake.seed(pod);
  const stored = fake.get('Pod', 'demo', 'typed');
  expect(stored?.metadata.creationTimestamp).toBe('2024-05-06T07:08:09Z');
  expect(field(stored, 'spec', 'containers', 0, 'imagePullPolicy')).toBe('Always');
  expect(stored?.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
});

test('failNext drop destroys the socket: the client sees a network error', async () => {
  fake.failNext({ drop: true });
  const err = await apps.readNamespacedDeployment({ name: 'web', namespace: 'demo' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FetchError);
  expect((err as FetchError).code).toBe('ECONNRESET');
  expect(fake.requests.at(-1)?.status).toBe(0);
});

test('forbid answers 403 worded like RBAC, for namespaced, list and cluster-scoped requests, until lifted', async () => {
  const lift = fake.forbid({ verb: 'patch', resource: 'deployments', namespace: 'prod' });
  const denied = await failure(
    apps.patchNamespacedDeployment({ name: 'web', namespace: 'prod', body: { spec: { replicas: 1 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)),
  );
  expect(denied).toMatchObject({
    code: 403,
    status: {
      kind: 'Status',
      reason: 'Forbidden',
      message: 'deployments.apps "web" is forbidden: User "system:serviceaccount:drover:drover" cannot patch resource "deployments" in API group "apps" in the namespace "prod"',
      details: { name: 'web', group: 'apps', kind: 'deployments' },
    },
  });
  // Same verb elsewhere, and the scale subresource (a different RBAC resource), are allowed.
  await apps.patchNamespacedDeployment({ name: 'web', namespace: 'demo', body: { spec: { replicas: 1 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  lift();
  await apps.patchNamespacedDeployment({ name: 'web', namespace: 'prod', body: { spec: { replicas: 1 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));

  fake.forbid({ verb: 'list', resource: 'deployments' });
  const list = await failure(apps.listNamespacedDeployment({ namespace: 'demo' }));
  expect(list.status.message).toBe(
    'deployments.apps is forbidden: User "system:serviceaccount:drover:drover" cannot list resource "deployments" in API group "apps" in the namespace "demo"',
  );
  fake.forbid({ verb: '*', resource: 'nodes', user: 'alice' });
  const asAlice = await raw(fake, 'GET', '/api/v1/nodes/node-a', { token: 's3cret', headers: { 'Impersonate-User': 'alice' } });
  expect(asAlice.json.message).toBe('nodes "node-a" is forbidden: User "alice" cannot get resource "nodes" in API group "" at the cluster scope');
  expect((await raw(fake, 'GET', '/api/v1/nodes/node-a', { token: 's3cret' })).status).toBe(200);
  fake.clearForbidden();
  expect((await apps.listNamespacedDeployment({ namespace: 'demo' })).items).toHaveLength(1);
});

test('with a token configured, a missing or wrong bearer token is 401', async () => {
  const missing = await raw(fake, 'GET', '/apis/apps/v1/namespaces/demo/deployments');
  expect(missing.status).toBe(401);
  expect(missing.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  const wrong = fake.kubeConfig({ token: 'guess' }).makeApiClient(AppsV1Api);
  expect((await failure(wrong.listNamespacedDeployment({ namespace: 'demo' }))).code).toBe(401);
});

test('kubeConfig names are configurable and kubeConfigYaml loads into a working KubeConfig', async () => {
  const kc = fake.kubeConfig({ contextName: 'ctx', clusterName: 'c', userName: 'u', namespace: 'demo' });
  expect(kc.getCurrentContext()).toBe('ctx');
  expect(kc.getCurrentCluster()).toMatchObject({ name: 'c', server: fake.url, skipTLSVerify: true });
  expect(kc.getCurrentUser()).toMatchObject({ name: 'u', token: 's3cret' });
  const fromYaml = new KubeConfig();
  fromYaml.loadFromString(fake.kubeConfigYaml({ contextName: 'from-file' }));
  expect(fromYaml.getCurrentContext()).toBe('from-file');
  const core = fromYaml.makeApiClient(CoreV1Api);
  expect((await core.listNode()).items.map((n) => n.metadata?.name)).toEqual(['node-a']);
});

test('seedSandbox: demo namespace with web (3 pods on two nodes), api, a bare debug-shell, events, logs', async () => {
  const sandbox = await startK8sFake();
  try {
    seedSandbox(sandbox);
    const core = sandbox.kubeConfig().makeApiClient(CoreV1Api);
    const sandboxApps = sandbox.kubeConfig().makeApiClient(AppsV1Api);
    expect((await core.listNode()).items.map((n) => n.metadata?.name)).toEqual(['node-a', 'node-b']);
    const deployments = await sandboxApps.listNamespacedDeployment({ namespace: 'demo' });
    expect(deployments.items.map((d) => [d.metadata?.name, d.spec?.replicas])).toEqual([
      ['api', 2],
      ['web', 3],
    ]);
    const web = await core.listNamespacedPod({ namespace: 'demo', labelSelector: 'app=web' });
    expect(new Set(web.items.map((p) => p.spec?.nodeName))).toEqual(new Set(['node-a', 'node-b']));
    const rs = (await sandboxApps.listNamespacedReplicaSet({ namespace: 'demo', labelSelector: 'app=web' })).items;
    expect(rs).toHaveLength(1);
    expect(web.items.every((p) => p.metadata?.ownerReferences?.[0]?.uid === rs[0]?.metadata?.uid)).toBe(true);
    const debug = await core.readNamespacedPod({ name: 'debug-shell', namespace: 'demo' });
    expect(debug.metadata?.ownerReferences).toBeUndefined();
    expect((await core.listNamespacedEvent({ namespace: 'demo' })).items.length).toBeGreaterThanOrEqual(4);
    const logs = await core.readNamespacedPodLog({ name: web.items[0]?.metadata?.name ?? '', namespace: 'demo', tailLines: 1 });
    expect(logs).toMatch(/HTTP\/1\.1/);
    expect(field(sandbox.get('deployments', 'demo', 'api'), 'status', 'readyReplicas')).toBe(1);
  } finally {
    await sandbox.stop();
  }
});
