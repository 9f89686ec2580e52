/**
 * The fake API server through the real @kubernetes/client-node client (and
 * raw HTTP where the client cannot go): CRUD semantics and Status errors.
 */
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type V1Deployment } from '@kubernetes/client-node';
import { startK8sFake, type K8sFake } from '../../../src/testing/index.js';
import { deployment, failure, field, namespace, node, raw } from './fake-helpers.js';

let fake: K8sFake;
let apps: AppsV1Api;
let core: CoreV1Api;

beforeEach(async () => {
  fake = await startK8sFake();
  fake.seed(namespace('demo'), namespace('other'), deployment('web'), deployment('api', { namespace: 'other' }), node('node-a'), node('node-b'));
  apps = fake.kubeConfig().makeApiClient(AppsV1Api);
  core = fake.kubeConfig().makeApiClient(CoreV1Api);
});

afterEach(async () => {
  await fake.stop();
});

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

describe('reads', () => {
  test('get fills what the server sets; lists are per namespace or across namespaces', async () => {
    const web = await apps.readNamespacedDeployment({ name: 'web', namespace: 'demo' });
    expect(web.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(web.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(web.metadata?.generation).toBe(1);
    expect(Number(web.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(web.spec?.strategy?.type).toBe('RollingUpdate');
    expect(web.spec?.template.spec?.containers[0]?.imagePullPolicy).toBe('IfNotPresent');

    const demo = await apps.listNamespacedDeployment({ namespace: 'demo' });
    expect(demo.items.map((d) => d.metadata?.name)).toEqual(['web']);
    expect(demo.kind).toBe('DeploymentList');
    expect(Number(demo.metadata?.resourceVersion)).toBeGreaterThanOrEqual(Number(web.metadata?.resourceVersion));
    const all = await apps.listDeploymentForAllNamespaces();
    expect(all.items.map((d) => `${d.metadata?.namespace}/${d.metadata?.name}`)).toEqual(['demo/web', 'other/api']);
  });

  test('namespaces and nodes are cluster-scoped', async () => {
    expect((await core.readNamespace({ name: 'demo' })).status?.phase).toBe('Active');
    expect((await core.listNamespace()).items.map((n) => n.metadata?.name)).toEqual(['demo', 'other']);
    expect((await core.listNode({ fieldSelector: 'metadata.name=node-b' })).items.map((n) => n.metadata?.name)).toEqual(['node-b']);
  });

  test('a missing object is a 404 Status exactly like the API server', async () => {
    const { code, status } = await failure(apps.readNamespacedDeployment({ name: 'nope', namespace: 'demo' }));
    expect(code).toBe(404);
    expect(status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'deployments.apps "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: 'apps', kind: 'deployments' },
      code: 404,
    });
    const pod = await failure(core.readNamespacedPod({ name: 'gone', namespace: 'demo' }));
    expect(pod.status.details).toEqual({ name: 'gone', kind: 'pods' });
  });

  test('discovery answers /version, /api and /apis', async () => {
    expect((await raw(fake, 'GET', '/version')).json.gitVersion).toMatch(/^v1\.\d+/);
    expect((await raw(fake, 'GET', '/api')).json.versions).toEqual(['v1']);
    const groups = (await raw(fake, 'GET', '/apis')).json.groups as { name: string }[];
    expect(groups.map((g) => g.name)).toContain('apps');
    const resources = (await raw(fake, 'GET', '/apis/apps/v1')).json.resources as { name: string }[];
    expect(resources.map((r) => r.name)).toEqual(expect.arrayContaining(['deployments', 'deployments/scale', 'replicasets']));
  });

  test('unknown paths are a 404 Status, unsupported methods a 405 Status', async () => {
    const unknown = await raw(fake, 'GET', '/apis/batch/v1/namespaces/demo/cronjobs');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'the server could not find the requested resource' });
    const post = await raw(fake, 'POST', '/api/v1/pods', { body: {}, contentType: 'application/json' });
    expect(post.status).toBe(405);
    expect(post.json).toMatchObject({ kind: 'Status', reason: 'MethodNotAllowed', code: 405 });
    expect((await raw(fake, 'DELETE', '/apis/apps/v1/namespaces/demo/deployments/web/scale')).status).toBe(405);
    expect((await raw(fake, 'PUT', '/api/v1/namespaces/demo/pods/x/log')).status).toBe(405);
  });
});

describe('writes', () => {
  test('create answers 201 with server-filled fields; creating it again is 409 AlreadyExists', async () => {
    const rvBefore = Number(fake.resourceVersion());
    const created = await apps.createNamespacedDeploymentWithHttpInfo({ namespace: 'demo', body: deployment('new') as V1Deployment });
    expect(created.httpStatusCode).toBe(201);
    expect(created.data.metadata?.uid).toBeDefined();
    expect(created.data.metadata?.generation).toBe(1);
    expect(Number(created.data.metadata?.resourceVersion)).toBeGreaterThan(rvBefore);
    const again = await failure(apps.createNamespacedDeployment({ namespace: 'demo', body: deployment('new') as V1Deployment }));
    expect(again.code).toBe(409);
    expect(again.status).toMatchObject({ reason: 'AlreadyExists', message: 'deployments.apps "new" already exists' });
  });

  test('creating in a namespace that does not exist is 404 on the namespace', async () => {
    const { code, status } = await failure(apps.createNamespacedDeployment({ namespace: 'ghost', body: deployment('x', { namespace: 'ghost' }) as V1Deployment }));
    expect(code).toBe(404);
    expect(status.message).toBe('namespaces "ghost" not found');
  });

  test('replace with a stale resourceVersion is 409 Conflict in the API server words', async () => {
    const web = await apps.readNamespacedDeployment({ name: 'web', namespace: 'demo' });
    await apps.patchNamespacedDeployment({ name: 'web', namespace: 'demo', body: { metadata: { labels: { touched: 'yes' } } } }, merge);
    const { code, status } = await failure(apps.replaceNamespacedDeployment({ name: 'web', namespace: 'demo', body: web }));
    expect(code).toBe(409);
    expect(status).toMatchObject({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: 'web', group: 'apps', kind: 'deployments' },
    });
  });

  test('a spec change bumps generation, a label change does not, a no-op keeps the resourceVersion', async () => {
    const labelled = await apps.patchNamespacedDeployment({ name: 'web', namespace: 'demo', body: { metadata: { labels: { x: '1' } } } }, merge);
    expect(labelled.metadata?.generation).toBe(1);
    const scaled = await apps.patchNamespacedDeployment({ name: 'web', namespace: 'demo', body: { spec: { replicas: 4 } } }, merge);
    expect(scaled.metadata?.generation).toBe(2);
    // The controller has since written status, so compare with a fresh read.
    const current = await apps.readNamespacedDeployment({ name: 'web', namespace: 'demo' });
    expect(current.status?.observedGeneration).toBe(2);
    const noop = await apps.patchNamespacedDeployment({ name: 'web', namespace: 'demo', body: { spec: { replicas: 4 } } }, merge);
    expect(noop.metadata?.resourceVersion).toBe(current.metadata?.resourceVersion);
    expect(fake.resourceVersion()).toBe(current.metadata?.resourceVersion);
  });

  test('invalid objects are 422 Invalid with causes', async () => {
    const negative = await failure(apps.patchNamespacedDeployment({ name: 'web', namespace: 'demo', body: { spec: { replicas: -1 } } }, merge));
    expect(negative.code).toBe(422);
    expect(negative.status).toMatchObject({
      reason: 'Invalid',
      message: 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      details: { name: 'web', group: 'apps', kind: 'Deployment', causes: [{ reason: 'FieldValueInvalid', field: 'spec.replicas' }] },
    });
    const body = deployment('empty');
    (body.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers = [];
    const noContainers = await failure(apps.createNamespacedDeployment({ namespace: 'demo', body: body as V1Deployment }));
    expect(noContainers.status.message).toBe('Deployment.apps "empty" is invalid: spec.template.spec.containers: Required value');
  });

  test('JSON patch: operations apply; a failing test op is 422', async () => {
    const patched = await apps.patchNamespacedDeployment(
      { name: 'web', namespace: 'demo', body: [{ op: 'test', path: '/spec/replicas', value: 2 }, { op: 'replace', path: '/spec/replicas', value: 6 }] },
      jsonPatch,
    );
    expect(patched.spec?.replicas).toBe(6);
    const failed = await failure(
      apps.patchNamespacedDeployment({ name: 'web', namespace: 'demo', body: [{ op: 'test', path: '/spec/replicas', value: 2 }] }, jsonPatch),
    );
    expect(failed.code).toBe(422);
    expect(field(failed.status, 'details', 'causes', 0, 'message')).toBe('testing value /spec/replicas failed: test failed');
  });

  test('a patch that carries an old resourceVersion is 409 (optimistic lock)', async () => {
    const rv = (await apps.readNamespacedDeployment({ name: 'web', namespace: 'demo' })).metadata?.resourceVersion;
    await apps.patchNamespacedDeployment({ name: 'web', namespace: 'demo', body: { spec: { replicas: 3 } } }, merge);
    const stale = await failure(
      apps.patchNamespacedDeployment({ name: 'web', namespace: 'demo', body: { metadata: { resourceVersion: rv }, spec: { replicas: 4 } } }, merge),
    );
    expect(stale.code).toBe(409);
  });

  test('a PATCH whose Content-Type is not a patch type is 415', async () => {
    const answer = await raw(fake, 'PATCH', '/apis/apps/v1/namespaces/demo/deployments/web', {
      body: { spec: { replicas: 9 } },
      contentType: 'application/json',
    });
    expect(answer.status).toBe(415);
    expect(answer.json).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'UnsupportedMediaType',
      code: 415,
      message:
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml',
    });
    expect(field(fake.get('deployments', 'demo', 'web'), 'spec', 'replicas')).toBe(2);
  });

  test('server-side apply needs a fieldManager, then merges (minimal apply)', async () => {
    const path = '/apis/apps/v1/namespaces/demo/deployments/web';
    const yaml = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 7\n';
    const noManager = await raw(fake, 'PATCH', path, { body: yaml, contentType: 'application/apply-patch+yaml' });
    expect(noManager.status).toBe(422);
    const applied = await raw(fake, 'PATCH', `${path}?fieldManager=test`, { body: yaml, contentType: 'application/apply-patch+yaml' });
    expect(applied.status).toBe(200);
    expect(field(applied.json, 'spec', 'replicas')).toBe(7);
  });
});

describe('dry run', () => {
  test('dryRun=All create returns what would be created and stores nothing', async () => {
    const rv = fake.resourceVersion();
    const answer = await apps.createNamespacedDeploymentWithHttpInfo({ namespace: 'demo', body: deployment('ghost') as V1Deployment, dryRun: 'All' });
    expect(answer.httpStatusCode).toBe(201);
    expect(answer.data.metadata?.uid).toBeDefined();
    expect(answer.data.metadata?.resourceVersion).toBeUndefined();
    expect(answer.data.spec?.revisionHistoryLimit).toBe(10);
    expect(fake.get('Deployment', 'demo', 'ghost')).toBeUndefined();
    expect(fake.resourceVersion()).toBe(rv);
  });

  test('dryRun=All patch and delete compute the answer but change nothing', async () => {
    const before = fake.get('deployments', 'demo', 'web');
    const rv = fake.resourceVersion();
    const patched = await apps.patchNamespacedDeployment({ name: 'web', namespace: 'demo', body: { spec: { replicas: 9 } }, dryRun: 'All' }, merge);
    expect(patched.spec?.replicas).toBe(9);
    expect(patched.metadata?.generation).toBe(2);
    expect(patched.metadata?.resourceVersion).toBe(before?.metadata.resourceVersion);
    const deleted = await raw(fake, 'DELETE', '/apis/apps/v1/namespaces/demo/deployments/web?dryRun=All');
    expect(deleted.json).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'web', kind: 'deployments' } });
    expect(fake.get('deployments', 'demo', 'web')).toEqual(before);
    expect(fake.resourceVersion()).toBe(rv);
  });

  test('any other dryRun value is rejected as the server does (422 on the *Options kind)', async () => {
    const answer = await raw(fake, 'PATCH', '/apis/apps/v1/namespaces/demo/deployments/web?dryRun=true', {
      body: { spec: { replicas: 9 } },
      contentType: 'application/merge-patch+json',
    });
    expect(answer.status).toBe(422);
    expect(answer.json.message).toBe('PatchOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"true"}: supported values: "All"');
    expect(field(fake.get('deployments', 'demo', 'web'), 'spec', 'replicas')).toBe(2);
  });
});
