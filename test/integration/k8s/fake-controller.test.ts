/**
 * The fake's Deployment controller and scale subresource, through the real
 * client: ReplicaSets per template, revisions, rollback reuse, status.
 */
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type V1Deployment, type V1ReplicaSet } from '@kubernetes/client-node';
import { MANUAL_ROLLOUT_ANNOTATION, startK8sFake, type K8sFake } from '../../../src/testing/index.js';
import { deployment, failure, field, namespace, node } from './fake-helpers.js';

let fake: K8sFake;
let apps: AppsV1Api;
let core: CoreV1Api;

beforeEach(async () => {
  fake = await startK8sFake();
  fake.seed(namespace('demo'), node('node-a'), node('node-b'));
  apps = fake.kubeConfig().makeApiClient(AppsV1Api);
  core = fake.kubeConfig().makeApiClient(CoreV1Api);
});

afterEach(async () => {
  await fake.stop();
});

const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const revision = (o: { metadata?: { annotations?: Record<string, string> } }): string | undefined => o.metadata?.annotations?.['deployment.kubernetes.io/revision'];

async function replicaSets(): Promise<V1ReplicaSet[]> {
  return (await apps.listNamespacedReplicaSet({ namespace: 'demo', labelSelector: 'app=web' })).items;
}

async function setImage(image: string): Promise<void> {
  await apps.patchNamespacedDeployment({ name: 'web', namespace: 'demo', body: { spec: { template: { spec: { containers: [{ name: 'web', image }] } } } } }, strategic);
}

test('a new deployment gets an owned ReplicaSet <name>-<hash>, revision 1, and an instant rollout', async () => {
  const created = await apps.createNamespacedDeployment({ namespace: 'demo', body: deployment('web', { replicas: 3 }) as V1Deployment });
  const [rs] = await replicaSets();
  const hash = rs?.metadata?.labels?.['pod-template-hash'] ?? '';
  expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
  expect(rs?.metadata?.name).toBe(`web-${hash}`);
  expect(rs?.metadata?.ownerReferences).toEqual([
    { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: created.metadata?.uid, controller: true, blockOwnerDeletion: true },
  ]);
  expect(rs?.spec?.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
  expect(rs?.spec?.template?.metadata?.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
  expect(revision(rs ?? {})).toBe('1');
  const current = await apps.readNamespacedDeployment({ name: 'web', namespace: 'demo' });
  expect(revision(current)).toBe('1');
  expect(current.status).toMatchObject({ replicas: 3, readyReplicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
  // The create answer itself comes before the controller ran, as on a real server.
  expect(created.status?.readyReplicas).toBeUndefined();
});

test('a template change makes revision 2; rolling back to the old template reuses its ReplicaSet as revision 3', async () => {
  fake.seed(deployment('web', { replicas: 2, image: 'nginx:1.26' }));
  const [first] = await replicaSets();
  await setImage('nginx:1.27');
  let all = await replicaSets();
  expect(all).toHaveLength(2);
  const second = all.find((r) => r.metadata?.name !== first?.metadata?.name);
  expect(revision(second ?? {})).toBe('2');
  expect(second?.spec?.replicas).toBe(2);
  expect(all.find((r) => r.metadata?.name === first?.metadata?.name)?.spec?.replicas).toBe(0);
  expect(revision(await apps.readNamespacedDeployment({ name: 'web', namespace: 'demo' }))).toBe('2');

  await setImage('nginx:1.26');
  all = await replicaSets();
  expect(all).toHaveLength(2);
  const reused = all.find((r) => r.metadata?.name === first?.metadata?.name);
  expect(revision(reused ?? {})).toBe('3');
  expect(reused?.metadata?.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
  expect(reused?.spec?.replicas).toBe(2);
  expect(revision(await apps.readNamespacedDeployment({ name: 'web', namespace: 'demo' }))).toBe('3');
});

test('a restart annotation on the template is a new revision; a label on the deployment is not', async () => {
  fake.seed(deployment('web'));
  await apps.patchNamespacedDeployment({ name: 'web', namespace: 'demo', body: { metadata: { labels: { team: 'shop' } } } }, merge);
  expect(await replicaSets()).toHaveLength(1);
  await apps.patchNamespacedDeployment(
    { name: 'web', namespace: 'demo', body: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' } } } } } },
    strategic,
  );
  const all = await replicaSets();
  expect(all.map(revision).sort()).toEqual(['1', '2']);
});

test('old ReplicaSets beyond revisionHistoryLimit are deleted', async () => {
  const d = deployment('web');
  (d.spec as Record<string, unknown>).revisionHistoryLimit = 1;
  fake.seed(d);
  for (const image of ['nginx:1', 'nginx:2', 'nginx:3']) await setImage(image);
  expect((await replicaSets()).map(revision).sort()).toEqual(['3', '4']);
});

test('scale subresource: GET, PUT and PATCH speak autoscaling/v1 Scale', async () => {
  fake.seed(deployment('web', { replicas: 3 }));
  const scale = await apps.readNamespacedDeploymentScale({ name: 'web', namespace: 'demo' });
  expect(scale).toMatchObject({ apiVersion: 'autoscaling/v1', kind: 'Scale', spec: { replicas: 3 }, status: { replicas: 3, selector: 'app=web' } });

  const put = await apps.replaceNamespacedDeploymentScale({ name: 'web', namespace: 'demo', body: { ...scale, spec: { replicas: 4 } } });
  expect(put.spec?.replicas).toBe(4);
  expect(field(fake.get('deployments', 'demo', 'web'), 'spec', 'replicas')).toBe(4);

  const stale = await failure(apps.replaceNamespacedDeploymentScale({ name: 'web', namespace: 'demo', body: { ...scale, spec: { replicas: 5 } } }));
  expect(stale.code).toBe(409);
  expect(stale.status.message).toContain('Operation cannot be fulfilled on deployments.apps "web"');

  const patched = await apps.patchNamespacedDeploymentScale({ name: 'web', namespace: 'demo', body: { spec: { replicas: 6 } } }, merge);
  expect(patched.spec?.replicas).toBe(6);
  const invalid = await failure(apps.patchNamespacedDeploymentScale({ name: 'web', namespace: 'demo', body: { spec: { replicas: -2 } } }, merge));
  expect(invalid.code).toBe(422);
  expect(invalid.status).toMatchObject({
    message: 'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -2: must be greater than or equal to 0',
    details: { kind: 'Scale', group: 'autoscaling' },
  });
  expect(field(fake.get('deployments', 'demo', 'web'), 'status', 'readyReplicas')).toBe(6);
});

test('a seeded status is kept; the manual-rollout annotation keeps it through writes', async () => {
  const d = deployment('web', { replicas: 3 });
  d.metadata.annotations = { [MANUAL_ROLLOUT_ANNOTATION]: 'manual' };
  d.status = { replicas: 3, readyReplicas: 1, unavailableReplicas: 2 };
  fake.seed(d);
  expect(field(fake.get('deployments', 'demo', 'web'), 'status', 'readyReplicas')).toBe(1);
  await apps.patchNamespacedDeploymentScale({ name: 'web', namespace: 'demo', body: { spec: { replicas: 5 } } }, merge);
  expect(field(fake.get('deployments', 'demo', 'web'), 'status')).toEqual({ replicas: 3, readyReplicas: 1, unavailableReplicas: 2 });
});

test('with managePods, deleted pods come back and scaling adds or removes pods', async () => {
  fake.setBehaviour({ managePods: true });
  fake.seed(deployment('web', { replicas: 2 }));
  const before = await core.listNamespacedPod({ namespace: 'demo', labelSelector: 'app=web' });
  expect(before.items).toHaveLength(2);
  const victim = before.items[0]?.metadata?.name ?? '';
  await core.deleteNamespacedPod({ name: victim, namespace: 'demo' });
  const after = await core.listNamespacedPod({ namespace: 'demo', labelSelector: 'app=web' });
  expect(after.items).toHaveLength(2);
  expect(after.items.map((p) => p.metadata?.name)).not.toContain(victim);

  await apps.patchNamespacedDeploymentScale({ name: 'web', namespace: 'demo', body: { spec: { replicas: 4 } } }, merge);
  expect((await core.listNamespacedPod({ namespace: 'demo', labelSelector: 'app=web' })).items).toHaveLength(4);
  await apps.patchNamespacedDeploymentScale({ name: 'web', namespace: 'demo', body: { spec: { replicas: 1 } } }, merge);
  expect((await core.listNamespacedPod({ namespace: 'demo', labelSelector: 'app=web' })).items).toHaveLength(1);
});
