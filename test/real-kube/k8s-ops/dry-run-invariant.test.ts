/**
 * Every mutation K8sOps can send, on a real kube-apiserver: as a dry run it
 * returns the server's plan and leaves every object's resourceVersion as it
 * was (read independently); for real it changes what the plan said.
 */
import { AppsV1Api, CoreV1Api, KubernetesObjectApi } from '@kubernetes/client-node';
import { createK8sOps } from '../../../src/k8s/ops.js';
import type { K8sOps, PlannedChange } from '../../../src/k8s/types.js';
import { freshNamespace, useRealKube } from '../support.js';
import { changed, settled } from './snapshot.js';
import { seed, type Seeded } from './seed.js';

const kube = useRealKube();
let s: Seeded;
const ops = (dryRun: boolean): K8sOps => createK8sOps({ cluster: 'real', kubeConfig: kube().kubeConfig(), dryRun });

beforeAll(async () => {
  s = await seed(kube().kubeConfig(), await freshNamespace(kube(), 'ops'));
  // A second revision, so a rollback has somewhere to go.
  await ops(false).restartDeployment(s.namespace, s.deployment, { restartedAt: '2026-01-01T00:00:00Z' });
}, 120_000);

const mutations: Array<[string, (o: K8sOps) => Promise<PlannedChange>]> = [
  ['scaleDeployment', (o) => o.scaleDeployment(s.namespace, s.deployment, 5)],
  ['restartDeployment', (o) => o.restartDeployment(s.namespace, s.deployment, { restartedAt: '2026-02-02T00:00:00Z' })],
  ['rollbackDeployment', (o) => o.rollbackDeployment(s.namespace, s.deployment)],
  ['cordonNode', (o) => o.cordonNode(s.node)],
  ['pauseDeployment', (o) => o.pauseDeployment(s.namespace, s.deployment)],
  [
    'evictPod (policy/v1beta1 on 1.20, found by discovery)',
    async (o) => {
      const [pod] = (await kube().kubeConfig().makeApiClient(CoreV1Api).listNamespacedPod({ namespace: s.namespace, labelSelector: 'app=web' })).items;
      const result = await o.evictPod(s.namespace, pod?.metadata?.name ?? '', { uid: pod?.metadata?.uid ?? '' });
      if (result.outcome !== 'evicted') throw new Error(`eviction ${result.outcome}`);
      return result.change;
    },
  ],
  ['setHpaMaxReplicas', (o) => o.setHpaMaxReplicas(s.namespace, s.hpa, 7)],
  ['expandPvc', (o) => o.expandPvc(s.namespace, s.pvc, '15Gi')],
  [
    'deletePod',
    async (o) => {
      const [pod] = (await kube().kubeConfig().makeApiClient(CoreV1Api).listNamespacedPod({ namespace: s.namespace, labelSelector: 'app=web' })).items;
      return o.deletePod(s.namespace, pod?.metadata?.name ?? '', { uid: pod?.metadata?.uid ?? '' });
    },
  ],
];

describe('dry run: the server plans, nothing changes', () => {
  test.each(mutations)('%s', async (_name, mutate) => {
    const before = await settled(kube().kubeConfig(), s.namespace);
    const change = await mutate(ops(true));
    expect(change.dryRun).toBe(true);
    expect(change.diff).not.toBe('');
    const after = await settled(kube().kubeConfig(), s.namespace);
    expect(changed(before, after)).toEqual([]);
  }, 60_000);

  test('uncordonNode of a cordoned node', async () => {
    await ops(false).cordonNode(s.node);
    const before = await settled(kube().kubeConfig(), s.namespace);
    const change = await ops(true).uncordonNode(s.node);
    expect(change.diff).toMatch(/-\s+unschedulable: true/);
    expect(changed(before, await settled(kube().kubeConfig(), s.namespace))).toEqual([]);
    await ops(false).uncordonNode(s.node);
  }, 60_000);
});

describe('for real: what the plan said, and only that', () => {
  const kc = () => kube().kubeConfig();

  test('scaleDeployment', async () => {
    const change = await ops(false).scaleDeployment(s.namespace, s.deployment, 3);
    expect(change.summary).toMatch(/replicas 2 → 3/);
    expect((await kc().makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: s.namespace, name: s.deployment })).spec?.replicas).toBe(3);
  });

  test('rollbackDeployment: back to the template of the revision before, from the ReplicaSets the real controller annotated', async () => {
    // The rollback is pinned to the resourceVersion it read: let the controller finish with the scale
    // above first (a run would be retried on the 409; a direct call is not).
    await settled(kc(), s.namespace);
    const change = await ops(false).rollbackDeployment(s.namespace, s.deployment);
    expect(change.summary).toMatch(/revision 2 → 1 \(ReplicaSet web-/);
    expect(change.diff).toMatch(/-\s+kubectl.kubernetes.io\/restartedAt: "?2026-01-01T00:00:00Z"?/);
    const web = await kc().makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: s.namespace, name: s.deployment });
    expect(web.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeUndefined();
  });

  test('cordonNode', async () => {
    await ops(false).cordonNode(s.node);
    expect((await kc().makeApiClient(CoreV1Api).readNode({ name: s.node })).spec?.unschedulable).toBe(true);
  });

  test('setHpaMaxReplicas, through autoscaling/v2beta2 (what 1.20 serves)', async () => {
    const change = await ops(false).setHpaMaxReplicas(s.namespace, s.hpa, 6);
    expect(change.summary).toBe(`raise HorizontalPodAutoscaler ${s.namespace}/${s.hpa}: maxReplicas 4 → 6`);
    const hpa = await KubernetesObjectApi.makeApiClient(kc()).read({ apiVersion: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler', metadata: { name: s.hpa, namespace: s.namespace } });
    expect((hpa as { spec?: { maxReplicas?: number } }).spec?.maxReplicas).toBe(6);
  });

  test('expandPvc', async () => {
    const change = await ops(false).expandPvc(s.namespace, s.pvc, '15Gi');
    expect(change.summary).toMatch(/10Gi → 15Gi/);
    const pvc = await kc().makeApiClient(CoreV1Api).readNamespacedPersistentVolumeClaim({ namespace: s.namespace, name: s.pvc });
    expect(pvc.spec?.resources?.requests?.storage).toBe('15Gi');
  });

  test('deletePod with the uid of a pod long gone: the server\'s 409 precondition failure is reported as alreadyGone, the pod kept', async () => {
    const core = kc().makeApiClient(CoreV1Api);
    const [pod] = (await core.listNamespacedPod({ namespace: s.namespace, labelSelector: 'app=web' })).items;
    const name = pod?.metadata?.name ?? '';
    const change = await ops(false).deletePod(s.namespace, name, { uid: '00000000-0000-0000-0000-000000000000' });
    expect(change).toMatchObject({ alreadyGone: true });
    expect(change.summary).toMatch(/already gone \(pod uid 0{8}-.* was replaced by another pod of that name/);
    expect((await core.readNamespacedPod({ namespace: s.namespace, name })).metadata?.uid).toBe(pod?.metadata?.uid);
  });

  test('pauseDeployment and resumeDeployment', async () => {
    const apps = kc().makeApiClient(AppsV1Api);
    expect((await ops(false).pauseDeployment(s.namespace, s.deployment)).summary).toBe(`pause Deployment ${s.namespace}/${s.deployment}`);
    expect((await apps.readNamespacedDeployment({ namespace: s.namespace, name: s.deployment })).spec?.paused).toBe(true);
    const before = await settled(kc(), s.namespace);
    const dry = await ops(true).resumeDeployment(s.namespace, s.deployment);
    expect(dry.diff).toMatch(/-\s+paused: true/);
    expect(changed(before, await settled(kc(), s.namespace))).toEqual([]);
    await ops(false).resumeDeployment(s.namespace, s.deployment);
    expect((await apps.readNamespacedDeployment({ namespace: s.namespace, name: s.deployment })).spec?.paused).toBeUndefined();
    expect((await ops(false).rolloutStatus(s.namespace, s.deployment)).paused).toBe(false);
  });

  test('evictPod: an unscheduled pod goes at once; evicting it again finds it gone', async () => {
    const core = kc().makeApiClient(CoreV1Api);
    const [pod] = (await core.listNamespacedPod({ namespace: s.namespace, labelSelector: 'app=web' })).items;
    const name = pod?.metadata?.name ?? '';
    const result = await ops(false).evictPod(s.namespace, name, { uid: pod?.metadata?.uid ?? '' });
    expect(result).toMatchObject({ outcome: 'evicted', change: { verb: 'create', kind: 'Pod/eviction', summary: `evict Pod ${s.namespace}/${name}` } });
    await expect(core.readNamespacedPod({ namespace: s.namespace, name })).rejects.toMatchObject({ code: 404 });
    expect(await ops(false).evictPod(s.namespace, name, { uid: pod?.metadata?.uid ?? '' })).toMatchObject({ outcome: 'gone' });
  });

  test('deletePod', async () => {
    const core = kc().makeApiClient(CoreV1Api);
    const [pod] = (await core.listNamespacedPod({ namespace: s.namespace, labelSelector: 'app=web' })).items;
    const name = pod?.metadata?.name ?? '';
    const change = await ops(false).deletePod(s.namespace, name, { uid: pod?.metadata?.uid ?? '', gracePeriodSeconds: 0 });
    expect(change.alreadyGone).toBe(false);
    await expect(core.readNamespacedPod({ namespace: s.namespace, name })).rejects.toMatchObject({ code: 404 });
  });
});
