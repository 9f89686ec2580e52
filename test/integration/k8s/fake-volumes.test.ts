/**
 * PersistentVolumeClaims and StorageClasses on the fake, through the real
 * client: resize allowed only by an expanding class (403 otherwise, the
 * PersistentVolumeClaimResize admission plugin's words), never a shrink (422),
 * a bound claim's spec otherwise immutable, quantities stored canonically.
 */
import { CoreV1Api, PatchStrategy, setHeaderOptions, StorageV1Api } from '@kubernetes/client-node';
import { startK8sFake, type K8sFake } from '../../../src/testing/index.js';
import { pvc, storageClass } from './alert-fixtures.js';
import { failure, field, namespace, raw } from './fake-helpers.js';

let fake: K8sFake;
let core: CoreV1Api;
let storage: StorageV1Api;

beforeAll(async () => {
  fake = await startK8sFake();
  core = fake.kubeConfig().makeApiClient(CoreV1Api);
  storage = fake.kubeConfig().makeApiClient(StorageV1Api);
});

beforeEach(() => {
  fake.seed(
    namespace('demo'),
    storageClass('expandable', true),
    storageClass('fixed'),
    storageClass('disabled', false),
    pvc('data', '10Gi', 'expandable'),
    pvc('logs', '5Gi', 'fixed'),
    pvc('static', '1Gi', undefined),
    pvc('pending', '1Gi', 'expandable', { phase: 'Pending' }),
  );
  fake.clearRequests();
});

afterAll(async () => {
  await fake.stop();
});

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const resize = (name: string, storageSize: string, dryRun?: 'All'): Promise<unknown> =>
  core.patchNamespacedPersistentVolumeClaim({ name, namespace: 'demo', body: { spec: { resources: { requests: { storage: storageSize } } } }, ...(dryRun ? { dryRun } : {}) }, merge);
const requested = (name: string): unknown => field(fake.get('persistentvolumeclaims', 'demo', name), 'spec', 'resources', 'requests', 'storage');

const RESIZE_FORBIDDEN = 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize';

test('StorageClasses: get and list with the server defaults; allowVolumeExpansion only when set', async () => {
  const fixed = await storage.readStorageClass({ name: 'fixed' });
  expect(fixed).toMatchObject({ provisioner: 'ebs.csi.aws.com', reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
  expect(fixed.allowVolumeExpansion).toBeUndefined();
  expect((await storage.readStorageClass({ name: 'expandable' })).allowVolumeExpansion).toBe(true);
  expect((await storage.listStorageClass()).items.map((s) => s.metadata?.name)).toEqual(['disabled', 'expandable', 'fixed']);
  expect((await raw(fake, 'GET', '/apis/storage.k8s.io/v1')).json.resources).toEqual([expect.objectContaining({ name: 'storageclasses', namespaced: false, verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'] })]);
});

test('PVCs: get and list with defaults (volumeMode); the status is what was seeded', async () => {
  const data = await core.readNamespacedPersistentVolumeClaim({ name: 'data', namespace: 'demo' });
  expect(data.spec).toMatchObject({ volumeMode: 'Filesystem', storageClassName: 'expandable', resources: { requests: { storage: '10Gi' } } });
  expect(data.status).toMatchObject({ phase: 'Bound', capacity: { storage: '10Gi' } });
  const names = (await core.listNamespacedPersistentVolumeClaim({ namespace: 'demo' })).items.map((p) => p.metadata?.name);
  expect(names).toEqual(['data', 'logs', 'pending', 'static']);
});

test('an expanding class lets a bound claim grow; status.capacity waits for a resizer the fake does not run', async () => {
  const grown = await core.patchNamespacedPersistentVolumeClaim({ name: 'data', namespace: 'demo', body: { spec: { resources: { requests: { storage: '15Gi' } } } } }, merge);
  expect(grown.spec?.resources?.requests?.storage).toBe('15Gi');
  expect(grown.status?.capacity?.storage).toBe('10Gi');
  expect(requested('data')).toBe('15Gi');
});

test('quantities come back in canonical form, keeping their binary or decimal format', async () => {
  const storageOf = (pvcObject: unknown): unknown => field(pvcObject, 'spec', 'resources', 'requests', 'storage');
  expect(storageOf(await resize('data', '15360Mi'))).toBe('15Gi');
  const rv = fake.resourceVersion();
  await resize('data', '15Gi');
  expect(fake.resourceVersion()).toBe(rv);
  expect(storageOf(await resize('data', '20000000000'))).toBe('20G');
});

test.each([
  ['logs', 'a class without allowVolumeExpansion'],
  ['static', 'no class at all (statically provisioned)'],
])('growing %s (%s) is the resize plugin 403, dry run or not', async (name) => {
  for (const dryRun of [undefined, 'All'] as const) {
    const { code, status } = await failure(resize(name, '50Gi', dryRun));
    expect(code).toBe(403);
    expect(status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `persistentvolumeclaims "${name}" is forbidden: ${RESIZE_FORBIDDEN}`,
      reason: 'Forbidden',
      details: { name, kind: 'persistentvolumeclaims' },
      code: 403,
    });
  }
  expect(requested(name)).not.toBe('50Gi');
});

test('allowVolumeExpansion: false and a class that does not exist refuse too', async () => {
  fake.seed(pvc('data', '10Gi', 'disabled'), pvc('logs', '5Gi', 'gone'));
  expect((await failure(resize('data', '20Gi'))).code).toBe(403);
  expect((await failure(resize('logs', '20Gi'))).status.message).toContain(RESIZE_FORBIDDEN);
});

test('shrinking is a 422 whatever the class; the same size is fine', async () => {
  for (const name of ['data', 'logs']) {
    const { code, status } = await failure(resize(name, '1Gi'));
    expect(code).toBe(422);
    expect(status).toMatchObject({
      reason: 'Invalid',
      message: `PersistentVolumeClaim "${name}" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than previous value`,
      details: { name, kind: 'PersistentVolumeClaim', causes: [{ reason: 'FieldValueForbidden', field: 'spec.resources.requests.storage' }] },
    });
  }
  await resize('logs', '5Gi');
  expect(requested('logs')).toBe('5Gi');
});

test('the rest of a bound spec is immutable, and an unbound claim cannot be resized', async () => {
  const immutable = 'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims';
  const moved = await failure(core.patchNamespacedPersistentVolumeClaim({ name: 'data', namespace: 'demo', body: { spec: { storageClassName: 'fixed' } } }, merge));
  expect(moved.status.message).toBe(`PersistentVolumeClaim "data" is invalid: ${immutable}`);
  const pending = await failure(resize('pending', '2Gi'));
  expect([pending.code, pending.status.message]).toEqual([422, `PersistentVolumeClaim "pending" is invalid: ${immutable}`]);
});

test('a malformed size in a patch is a 422 on the patch (measured on kube-apiserver 1.20); removing the request is a 422 Required', async () => {
  const malformed = await failure(resize('data', '20 gigs'));
  expect(malformed.code).toBe(422);
  expect(malformed.status).toMatchObject({ reason: 'Invalid', details: { causes: [{ reason: 'FieldValueInvalid', field: 'patch' }] } });
  expect(malformed.status.message).toContain("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  const removed = await failure(core.patchNamespacedPersistentVolumeClaim({ name: 'data', namespace: 'demo', body: { spec: { resources: { requests: { storage: null } } } } }, merge));
  expect(removed.status.message).toBe('PersistentVolumeClaim "data" is invalid: spec.resources[storage]: Required value');
});
