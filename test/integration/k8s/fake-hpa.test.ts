/**
 * HorizontalPodAutoscalers (autoscaling/v2) on the fake, through the real
 * client: reads and defaults, merge/strategic/replace with dry run, and the
 * API server's 404/409/403/422 answers.
 */
import { AutoscalingV2Api, PatchStrategy, setHeaderOptions, type V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { startK8sFake, type K8sFake } from '../../../src/testing/index.js';
import { hpa } from './alert-fixtures.js';
import { failure, namespace, raw } from './fake-helpers.js';

let fake: K8sFake;
let api: AutoscalingV2Api;

beforeAll(async () => {
  fake = await startK8sFake();
  api = fake.kubeConfig().makeApiClient(AutoscalingV2Api);
});

beforeEach(() => {
  fake.seed(namespace('demo'), namespace('shop'), hpa('web', { min: 2, max: 6 }), hpa('cart', { namespace: 'shop', max: 3 }));
  fake.clearRequests();
  fake.clearForbidden();
  fake.clearFaults();
});

afterAll(async () => {
  await fake.stop();
});

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const maxOf = (name: string, ns = 'demo'): unknown => (fake.get('horizontalpodautoscalers', ns, name)?.spec as { maxReplicas?: number }).maxReplicas;

test('get and list, with the server defaults (minReplicas, the 80% CPU metric)', async () => {
  const web = await api.readNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'demo' });
  expect(web.apiVersion).toBe('autoscaling/v2');
  expect(web.spec?.maxReplicas).toBe(6);
  expect(web.spec?.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  expect(web.status?.currentReplicas).toBe(6);
  const all = await api.listHorizontalPodAutoscalerForAllNamespaces();
  expect(all.items.map((h) => `${h.metadata?.namespace}/${h.metadata?.name}`)).toEqual(['demo/web', 'shop/cart']);
  expect((await api.listNamespacedHorizontalPodAutoscaler({ namespace: 'shop' })).items.map((h) => h.metadata?.name)).toEqual(['cart']);
});

test('discovery serves autoscaling/v2 with every verb (a real server lets HPAs be created and deleted)', async () => {
  const group = await raw(fake, 'GET', '/apis/autoscaling');
  expect(group.json).toMatchObject({ kind: 'APIGroup', name: 'autoscaling', preferredVersion: { groupVersion: 'autoscaling/v2' } });
  const list = await raw(fake, 'GET', '/apis/autoscaling/v2');
  expect(list.json.resources).toEqual([
    expect.objectContaining({ name: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', shortNames: ['hpa'], verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'] }),
    expect.objectContaining({ name: 'horizontalpodautoscalers/status', kind: 'HorizontalPodAutoscaler', verbs: ['get', 'patch', 'update'] }),
  ]);
  expect((await raw(fake, 'DELETE', '/apis/autoscaling/v2/namespaces/demo/horizontalpodautoscalers/web', { body: JSON.stringify({ dryRun: ['All'] }), contentType: 'application/json' })).status).toBe(200);
  expect(fake.get('horizontalpodautoscalers', 'demo', 'web')).toBeDefined();
});

test('merge and strategic merge patches set maxReplicas and bump the resourceVersion', async () => {
  const rv = fake.get('horizontalpodautoscalers', 'demo', 'web')?.metadata.resourceVersion;
  const merged = await api.patchNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'demo', body: { spec: { maxReplicas: 9 } } }, merge);
  expect(merged.spec?.maxReplicas).toBe(9);
  expect(merged.metadata?.resourceVersion).not.toBe(rv);
  await api.patchNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'demo', body: { spec: { maxReplicas: 12 } } }, strategic);
  expect(maxOf('web')).toBe(12);
  expect(fake.requests.map((r) => r.contentType)).toEqual(['application/merge-patch+json', 'application/strategic-merge-patch+json']);
});

test('dryRun=All on patch and replace answers the would-be object and stores nothing', async () => {
  const rv = fake.resourceVersion();
  const patched = await api.patchNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'demo', body: { spec: { maxReplicas: 8 } }, dryRun: 'All' }, merge);
  expect(patched.spec?.maxReplicas).toBe(8);
  const current = await api.readNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'demo' });
  const body: V2HorizontalPodAutoscaler = { ...current, spec: { ...current.spec!, maxReplicas: 7 } };
  const replaced = await api.replaceNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'demo', body, dryRun: 'All' });
  expect(replaced.spec?.maxReplicas).toBe(7);
  expect(maxOf('web')).toBe(6);
  expect(fake.resourceVersion()).toBe(rv);
  expect(fake.requests.filter((r) => r.method !== 'GET').map((r) => [r.method, r.query.dryRun])).toEqual([
    ['PATCH', 'All'],
    ['PUT', 'All'],
  ]);
});

test('a missing HPA is a 404 worded like the server', async () => {
  const { code, status } = await failure(api.readNamespacedHorizontalPodAutoscaler({ name: 'nope', namespace: 'demo' }));
  expect(code).toBe(404);
  expect(status).toMatchObject({ reason: 'NotFound', message: 'horizontalpodautoscalers.autoscaling "nope" not found', details: { name: 'nope', group: 'autoscaling', kind: 'horizontalpodautoscalers' } });
});

test('a stale resourceVersion in the patch is a 409 Conflict; a replace with one too', async () => {
  const stale = await api.readNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'demo' });
  await api.patchNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'demo', body: { spec: { maxReplicas: 7 } } }, merge);
  const patch = { metadata: { resourceVersion: stale.metadata?.resourceVersion }, spec: { maxReplicas: 8 } };
  const { code, status } = await failure(api.patchNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'demo', body: patch }, merge));
  expect(code).toBe(409);
  expect(status.message).toBe(
    'Operation cannot be fulfilled on horizontalpodautoscalers.autoscaling "web": the object has been modified; please apply your changes to the latest version and try again',
  );
  expect((await failure(api.replaceNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'demo', body: stale }))).code).toBe(409);
  expect(maxOf('web')).toBe(7);
});

test('RBAC denial is a 403 naming the resource and group', async () => {
  fake.forbid({ verb: 'patch', resource: 'horizontalpodautoscalers' });
  const { code, status } = await failure(api.patchNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'demo', body: { spec: { maxReplicas: 9 } } }, merge));
  expect(code).toBe(403);
  expect(status.message).toBe(
    'horizontalpodautoscalers.autoscaling "web" is forbidden: User "system:serviceaccount:drover:drover" cannot patch resource "horizontalpodautoscalers" in API group "autoscaling" in the namespace "demo"',
  );
});

test('maxReplicas below minReplicas is a 422 with the validation cause', async () => {
  const { code, status } = await failure(api.patchNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'demo', body: { spec: { maxReplicas: 1 } } }, merge));
  expect(code).toBe(422);
  expect(status).toMatchObject({
    reason: 'Invalid',
    message: 'HorizontalPodAutoscaler.autoscaling "web" is invalid: spec.maxReplicas: Invalid value: 1: must be greater than or equal to `minReplicas`',
    details: { name: 'web', group: 'autoscaling', kind: 'HorizontalPodAutoscaler', causes: [{ reason: 'FieldValueInvalid', field: 'spec.maxReplicas' }] },
  });
  expect(maxOf('web')).toBe(6);
});

test('maxReplicas 0 breaks both rules; a fraction in a patch is a 422 on the patch (measured on kube-apiserver 1.20)', async () => {
  const zero = await failure(api.patchNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'demo', body: { spec: { maxReplicas: 0 } }, dryRun: 'All' }, merge));
  expect(zero.status.message).toBe(
    'HorizontalPodAutoscaler.autoscaling "web" is invalid: [spec.maxReplicas: Invalid value: 0: must be greater than 0, spec.maxReplicas: Invalid value: 0: must be greater than or equal to `minReplicas`]',
  );
  const fraction = await failure(api.patchNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'demo', body: { spec: { maxReplicas: 7.5 } } }, merge));
  expect(fraction.code).toBe(422);
  expect(fraction.status).toMatchObject({ reason: 'Invalid', details: { causes: [{ reason: 'FieldValueInvalid', field: 'patch' }] } });
  expect(fraction.status.message).toContain('json: cannot unmarshal number 7.5 into Go struct field HorizontalPodAutoscalerSpec.spec.maxReplicas of type int32');
});
