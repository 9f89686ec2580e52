/**
 * ctx.k8s volume operations against the fake: expanding a claim whose class
 * allows it, the API server's refusals (a fixed class, a shrink) as
 * non-retryable DroverErrors, dry run, and sizes written differently.
 */
import { DroverError } from '../../../src/errors.js';
import { createK8sOps } from '../../../src/k8s/ops.js';
import { grownSize } from '../../../src/k8s/quantity.js';
import type { K8sHooks, K8sOps, MutationRecord } from '../../../src/k8s/types.js';
import { startK8sFake, type K8sFake } from '../../../src/testing/index.js';
import { pvc, storageClass } from './alert-fixtures.js';
import { field, namespace } from './fake-helpers.js';

let fake: K8sFake;
let mutations: MutationRecord[];
const hooks: K8sHooks = { onMutation: (record) => void mutations.push(record) };

beforeAll(async () => {
  fake = await startK8sFake();
});

beforeEach(() => {
  fake.seed(namespace('demo'), storageClass('standard-expandable', true), storageClass('fixed'), pvc('data', '10Gi', 'standard-expandable'), pvc('logs', '5Gi', 'fixed'));
  fake.clearRequests();
  mutations = [];
});

afterAll(async () => {
  await fake.stop();
});

const ops = (dryRun = false): K8sOps => createK8sOps({ cluster: 'test', kubeConfig: fake.kubeConfig(), dryRun, hooks });
const requested = (name: string): unknown => field(fake.get('persistentvolumeclaims', 'demo', name), 'spec', 'resources', 'requests', 'storage');
const patches = (): typeof fake.requests => fake.requests.filter((r) => r.method === 'PATCH');

async function rejection(promise: Promise<unknown>): Promise<DroverError> {
  const err = await promise.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DroverError);
  return err as DroverError;
}

test('getPvc and getStorageClass return the typed objects', async () => {
  const data = await ops().getPvc('demo', 'data');
  expect([data.spec?.storageClassName, data.spec?.resources?.requests?.storage, data.status?.phase]).toEqual(['standard-expandable', '10Gi', 'Bound']);
  expect((await ops().getStorageClass('standard-expandable')).allowVolumeExpansion).toBe(true);
  expect((await ops().getStorageClass('fixed')).allowVolumeExpansion).toBeUndefined();
});

test('expandPvc grows a claim of an expanding class with a pinned merge patch', async () => {
  const rv = fake.get('persistentvolumeclaims', 'demo', 'data')?.metadata.resourceVersion;
  const change = await ops().expandPvc('demo', 'data', grownSize('10Gi'));
  expect(change).toMatchObject({ verb: 'patch', kind: 'PersistentVolumeClaim', namespace: 'demo', name: 'data', dryRun: false });
  expect(change.summary).toBe('expand PersistentVolumeClaim demo/data: 10Gi → 15Gi');
  expect(change.diff).toContain('-      storage: 10Gi\n+      storage: 15Gi');
  expect(requested('data')).toBe('15Gi');
  expect(patches()).toEqual([
    expect.objectContaining({
      contentType: 'application/merge-patch+json',
      body: { metadata: { resourceVersion: rv }, spec: { resources: { requests: { storage: '15Gi' } } } },
    }),
  ]);
  expect(mutations).toEqual([expect.objectContaining({ kind: 'PersistentVolumeClaim', outcome: 'succeeded', status: 200 })]);
});

test('a dry run sends dryRun=All and changes nothing', async () => {
  const rv = fake.resourceVersion();
  const change = await ops(true).expandPvc('demo', 'data', '20Gi');
  expect(change).toMatchObject({ dryRun: true, summary: 'expand PersistentVolumeClaim demo/data: 10Gi → 20Gi' });
  expect(patches().map((r) => r.query.dryRun)).toEqual(['All']);
  expect(requested('data')).toBe('10Gi');
  expect(fake.resourceVersion()).toBe(rv);
});

test('a class without volume expansion: k8s_forbidden in the API server words, not retryable, in a dry run too', async () => {
  for (const dryRun of [false, true]) {
    const err = await rejection(ops(dryRun).expandPvc('demo', 'logs', '10Gi'));
    expect(err).toMatchObject({
      code: 'k8s_forbidden',
      retryable: false,
      message:
        'cluster "test": persistentvolumeclaims "logs" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize',
    });
    expect(err.details).toMatchObject({ status: 403, reason: 'Forbidden', kind: 'PersistentVolumeClaim', name: 'logs' });
  }
  expect(requested('logs')).toBe('5Gi');
  expect(mutations.map((m) => [m.outcome, m.status, m.errorCode, m.dryRun])).toEqual([
    ['failed', 403, 'k8s_forbidden', false],
    ['failed', 403, 'k8s_forbidden', true],
  ]);
});

test('a shrink is k8s_invalid and not retryable', async () => {
  const err = await rejection(ops().expandPvc('demo', 'data', '5Gi'));
  expect(err).toMatchObject({
    code: 'k8s_invalid',
    retryable: false,
    message: 'cluster "test": PersistentVolumeClaim "data" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than previous value',
  });
  expect(requested('data')).toBe('10Gi');
});

test('the same size written differently is no change and sends nothing; a malformed size is params_invalid', async () => {
  const same = await ops().expandPvc('demo', 'data', '10240Mi');
  expect(same).toMatchObject({ summary: 'expand PersistentVolumeClaim demo/data: already requests 10Gi (no change)', diff: '' });
  const err = await rejection(ops().expandPvc('demo', 'data', 'lots'));
  expect(err).toMatchObject({ code: 'params_invalid', retryable: false });
  expect(patches()).toEqual([]);
  expect(mutations.map((m) => [m.outcome, m.errorCode])).toEqual([
    ['succeeded', undefined],
    ['failed', 'params_invalid'],
  ]);
});
