/**
 * ctx.k8s HPA operations against the fake: raising maxReplicas, its dry run,
 * the API server's refusal below minReplicas, and a concurrent change caught
 * by the pinned resourceVersion.
 */
import { DroverError } from '../../../src/errors.js';
import { createK8sOps } from '../../../src/k8s/ops.js';
import type { K8sHooks, K8sOps, MutationRecord, PlannedChange } from '../../../src/k8s/types.js';
import { startK8sFake, type K8sFake } from '../../../src/testing/index.js';
import { hpa } from './alert-fixtures.js';
import { namespace } from './fake-helpers.js';

let fake: K8sFake;
let mutations: { record: MutationRecord; change: PlannedChange | undefined }[];
let onGet: (() => void) | undefined;

const hooks: K8sHooks = {
  onApiCall: (call) => {
    if (call.verb === 'get' && call.resource === 'horizontalpodautoscalers') onGet?.();
  },
  onMutation: (record, change) => void mutations.push({ record, change }),
};

beforeAll(async () => {
  fake = await startK8sFake();
});

beforeEach(() => {
  fake.seed(namespace('demo'), hpa('web', { min: 2, max: 6 }));
  fake.clearRequests();
  mutations = [];
  onGet = undefined;
});

afterAll(async () => {
  await fake.stop();
});

const ops = (dryRun = false): K8sOps => createK8sOps({ cluster: 'test', kubeConfig: fake.kubeConfig(), dryRun, hooks });
const maxReplicas = (): unknown => (fake.get('horizontalpodautoscalers', 'demo', 'web')?.spec as { maxReplicas?: number }).maxReplicas;
const patches = (): typeof fake.requests => fake.requests.filter((r) => r.method === 'PATCH');

test('getHpa returns the autoscaling/v2 object', async () => {
  const web = await ops().getHpa('demo', 'web');
  expect([web.spec?.minReplicas, web.spec?.maxReplicas, web.status?.currentReplicas]).toEqual([2, 6, 6]);
});

test('setHpaMaxReplicas raises the max with a merge patch pinned to the resourceVersion it read', async () => {
  const rv = fake.get('horizontalpodautoscalers', 'demo', 'web')?.metadata.resourceVersion;
  const change = await ops().setHpaMaxReplicas('demo', 'web', 10);
  expect(change).toMatchObject({ verb: 'patch', kind: 'HorizontalPodAutoscaler', namespace: 'demo', name: 'web', dryRun: false });
  expect(change.summary).toBe('raise HorizontalPodAutoscaler demo/web: maxReplicas 6 → 10');
  expect(change.diff).toContain('-  maxReplicas: 6\n+  maxReplicas: 10');
  expect(maxReplicas()).toBe(10);
  expect(patches()).toEqual([
    expect.objectContaining({
      path: '/apis/autoscaling/v2/namespaces/demo/horizontalpodautoscalers/web',
      contentType: 'application/merge-patch+json',
      body: { metadata: { resourceVersion: rv }, spec: { maxReplicas: 10 } },
    }),
  ]);
  expect(patches()[0]?.query.dryRun).toBeUndefined();
  expect(mutations).toHaveLength(1);
  expect(mutations[0]?.record).toMatchObject({ kind: 'HorizontalPodAutoscaler', outcome: 'succeeded', status: 200, dryRun: false });
  expect(mutations[0]?.change).toBe(change);
});

test('a dry run sends dryRun=All, shows the would-be diff and changes nothing', async () => {
  const rv = fake.resourceVersion();
  const change = await ops(true).setHpaMaxReplicas('demo', 'web', 9);
  expect(change).toMatchObject({ dryRun: true, summary: 'raise HorizontalPodAutoscaler demo/web: maxReplicas 6 → 9' });
  expect(change.diff).toContain('after (dry run)');
  expect(patches().map((r) => r.query.dryRun)).toEqual(['All']);
  expect(maxReplicas()).toBe(6);
  expect(fake.resourceVersion()).toBe(rv);
});

test('lowering is reported as such; the same value again sends nothing', async () => {
  expect((await ops().setHpaMaxReplicas('demo', 'web', 4)).summary).toBe('lower HorizontalPodAutoscaler demo/web: maxReplicas 6 → 4');
  fake.clearRequests();
  const again = await ops().setHpaMaxReplicas('demo', 'web', 4);
  expect(again).toMatchObject({ summary: 'set HorizontalPodAutoscaler demo/web: maxReplicas already 4 (no change)', diff: '' });
  expect(patches()).toEqual([]);
});

test('below minReplicas the API server refuses: k8s_invalid, not retryable, reported as a failed mutation', async () => {
  const err = await ops().setHpaMaxReplicas('demo', 'web', 1).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DroverError);
  expect(err).toMatchObject({
    code: 'k8s_invalid',
    retryable: false,
    message: 'cluster "test": HorizontalPodAutoscaler.autoscaling "web" is invalid: spec.maxReplicas: Invalid value: 1: must be greater than or equal to `minReplicas`',
  });
  expect(maxReplicas()).toBe(6);
  expect(mutations.map((m) => [m.record.outcome, m.record.status, m.record.errorCode, m.change])).toEqual([['failed', 422, 'k8s_invalid', undefined]]);
});

test('a change between the read and the patch is a retryable k8s_conflict, and the other change stands', async () => {
  // Someone else raises the max to 8 right after Drover read 6.
  onGet = () => {
    onGet = undefined;
    fake.seed(hpa('web', { min: 2, max: 8 }));
  };
  const err = await ops().setHpaMaxReplicas('demo', 'web', 10).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'k8s_conflict', retryable: true });
  expect((err as DroverError).message).toContain('the object has been modified');
  expect(maxReplicas()).toBe(8);
  // The retry reads 8 and raises from there.
  expect((await ops().setHpaMaxReplicas('demo', 'web', 10)).summary).toBe('raise HorizontalPodAutoscaler demo/web: maxReplicas 8 → 10');
});
