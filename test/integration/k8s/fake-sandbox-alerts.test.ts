/**
 * The sandbox's alert-runbook examples, used the way a newcomer would: through
 * ctx.k8s against a seeded sandbox.
 */
import { createK8sOps } from '../../../src/k8s/ops.js';
import type { K8sOps } from '../../../src/k8s/types.js';
import { sandboxSeed, seedSandbox, startK8sFake, type K8sFake } from '../../../src/testing/index.js';

let fake: K8sFake;

beforeAll(async () => {
  fake = await startK8sFake();
  seedSandbox(fake, new Date('2025-06-01T12:00:00Z'));
});

afterAll(async () => {
  await fake.stop();
});

const ops = (dryRun = false): K8sOps => createK8sOps({ cluster: 'sandbox', kubeConfig: fake.kubeConfig(), dryRun });

test('the seed names the new objects, deterministically', () => {
  const names = (now: Date): string[] =>
    sandboxSeed(now)
      .filter((o) => ['HorizontalPodAutoscaler', 'PersistentVolumeClaim', 'StorageClass', 'Job'].includes(o.kind ?? ''))
      .map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}:${o.metadata.uid ?? ''}`);
  expect(names(new Date())).toEqual(names(new Date('2020-01-01T00:00:00Z')));
  expect(names(new Date()).map((n) => n.split(':')[0])).toEqual([
    'HorizontalPodAutoscaler/shop/web',
    'StorageClass//standard-expandable',
    'StorageClass//fixed',
    'PersistentVolumeClaim/demo/data',
    'PersistentVolumeClaim/demo/logs',
    'Job/demo/nightly-report',
  ]);
});

test('KubeHpaMaxedOut: HPA shop/web (min 2, max 6) is at its max, and its deployment really runs 6 pods', async () => {
  const hpa = await ops().getHpa('shop', 'web');
  expect([hpa.spec?.minReplicas, hpa.spec?.maxReplicas, hpa.status?.currentReplicas]).toEqual([2, 6, 6]);
  expect(hpa.status?.conditions?.find((c) => c.type === 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'TooManyReplicas' });
  expect(hpa.spec?.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'web' });
  expect(await ops().getScale('shop', 'web')).toBe(6);
  expect((await ops().listPods('shop', { labelSelector: 'app=web' })).filter((p) => p.status?.phase === 'Running')).toHaveLength(6);
  expect((await ops(true).setHpaMaxReplicas('shop', 'web', 9)).summary).toBe('raise HorizontalPodAutoscaler shop/web: maxReplicas 6 → 9');
});

test('demo/web is left as it was: 3 replicas, no HPA', async () => {
  expect(await ops().getScale('demo', 'web')).toBe(3);
  expect((await ops().listDeployments('demo')).map((d) => d.metadata?.name)).toEqual(['api', 'web']);
  await expect(ops().getHpa('demo', 'web')).rejects.toMatchObject({ code: 'k8s_not_found' });
});

test('KubePersistentVolumeFillingUp: data can grow (standard-expandable), logs cannot (fixed)', async () => {
  const data = await ops().getPvc('demo', 'data');
  expect([data.spec?.resources?.requests?.storage, data.spec?.storageClassName, data.status?.phase]).toEqual(['10Gi', 'standard-expandable', 'Bound']);
  expect((await ops().getStorageClass('standard-expandable')).allowVolumeExpansion).toBe(true);
  const logs = await ops().getPvc('demo', 'logs');
  expect(logs.spec?.storageClassName).toBe('fixed');
  expect((await ops().getStorageClass('fixed')).allowVolumeExpansion).toBeUndefined();
  expect((await ops(true).expandPvc('demo', 'data', '15Gi')).summary).toBe('expand PersistentVolumeClaim demo/data: 10Gi → 15Gi');
  await expect(ops(true).expandPvc('demo', 'logs', '10Gi')).rejects.toMatchObject({ code: 'k8s_forbidden', retryable: false });
});

test('KubeJobFailed: the failed job, its two failed pods with logs, and the events', async () => {
  const job = await ops().getJob('demo', 'nightly-report');
  expect(job.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded' });
  expect(job.status?.failed).toBe(2);
  const pods = await ops().listJobPods('demo', 'nightly-report');
  expect(pods.map((p) => [p.metadata?.name, p.status?.phase])).toEqual([
    ['nightly-report-7vq2n', 'Failed'],
    ['nightly-report-kx9tz', 'Failed'],
  ]);
  expect(pods[1]?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name: 'nightly-report', controller: true });
  expect(await ops().readPodLogs('demo', 'nightly-report-kx9tz', { tailLines: 1 })).toBe('level=fatal msg="report failed" exit=1\n');
  const jobEvents = await ops().listEvents('demo', { kind: 'Job', name: 'nightly-report' });
  expect(jobEvents.map((e) => [e.type, e.reason])).toContainEqual(['Warning', 'BackoffLimitExceeded']);
  expect((await ops().listEvents('demo', { kind: 'Pod', name: 'nightly-report-kx9tz' })).map((e) => e.reason)).toEqual(['Pulled', 'Scheduled', 'Started']);
});
