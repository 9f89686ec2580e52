/**
 * Pods, events, logs and nodes on the fake, through the real client:
 * selectors, DeleteOptions preconditions, graceful deletion, cascades.
 */
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { startK8sFake, type K8sFake, type KubeObject } from '../../../src/testing/index.js';
import { deployment, failure, field, namespace, node, raw } from './fake-helpers.js';

let fake: K8sFake;
let core: CoreV1Api;
let apps: AppsV1Api;
let pods: KubeObject[];

beforeEach(async () => {
  fake = await startK8sFake();
  fake.seed(namespace('demo'), node('node-a'), node('node-b'), deployment('web', { replicas: 3 }), deployment('api', { replicas: 1 }));
  pods = fake.seedPodsFor('demo', 'web', 3);
  fake.seedPodsFor('demo', 'api', 1, { nodeNames: ['node-b'], phase: 'Pending', ready: false });
  core = fake.kubeConfig().makeApiClient(CoreV1Api);
  apps = fake.kubeConfig().makeApiClient(AppsV1Api);
});

afterEach(async () => {
  await fake.stop();
});

const names = (list: { items: { metadata?: { name?: string } }[] }): string[] => list.items.map((p) => p.metadata?.name ?? '');

test('seedPodsFor gives running pods owned by the current ReplicaSet, spread over the nodes', async () => {
  const rs = (await apps.listNamespacedReplicaSet({ namespace: 'demo', labelSelector: 'app=web' })).items[0];
  const listed = await core.listNamespacedPod({ namespace: 'demo', labelSelector: 'app=web' });
  expect(listed.items).toHaveLength(3);
  for (const pod of listed.items) {
    expect(pod.metadata?.name).toMatch(new RegExp(`^${rs?.metadata?.name}-[a-z0-9]{5}$`));
    expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', uid: rs?.metadata?.uid, controller: true });
    expect(pod.metadata?.labels?.['pod-template-hash']).toBe(rs?.metadata?.labels?.['pod-template-hash']);
    expect(pod.status?.phase).toBe('Running');
  }
  expect(listed.items.map((p) => p.spec?.nodeName).sort()).toEqual(['node-a', 'node-a', 'node-b']);
});

test('label selectors (equality and set-based) and field selectors combine', async () => {
  expect(names(await core.listNamespacedPod({ namespace: 'demo', labelSelector: 'app in (web,api)' }))).toHaveLength(4);
  expect(names(await core.listNamespacedPod({ namespace: 'demo', labelSelector: 'app notin (web)' }))).toHaveLength(1);
  expect(names(await core.listNamespacedPod({ namespace: 'demo', labelSelector: 'app!=web,pod-template-hash' }))).toHaveLength(1);
  expect(names(await core.listNamespacedPod({ namespace: 'demo', labelSelector: '!app' }))).toHaveLength(0);
  expect(names(await core.listNamespacedPod({ namespace: 'demo', fieldSelector: 'status.phase=Pending' }))).toHaveLength(1);
  expect(names(await core.listNamespacedPod({ namespace: 'demo', fieldSelector: 'spec.nodeName=node-b,status.phase!=Pending' }))).toHaveLength(1);
  const first = pods[0]?.metadata.name ?? '';
  expect(names(await core.listNamespacedPod({ namespace: 'demo', fieldSelector: `metadata.name=${first}` }))).toEqual([first]);
  expect(names(await core.listPodForAllNamespaces({ labelSelector: 'app=web' }))).toHaveLength(3);
  const bad = await failure(core.listNamespacedPod({ namespace: 'demo', fieldSelector: 'spec.foo=bar' }));
  expect(bad.code).toBe(400);
  expect(bad.status.message).toBe('field label not supported: spec.foo');
});

test('list pagination with limit and continue', async () => {
  const page1 = await core.listNamespacedPod({ namespace: 'demo', limit: 3 });
  expect(page1.items).toHaveLength(3);
  expect(page1.metadata?.remainingItemCount).toBe(1);
  const page2 = await core.listNamespacedPod({ namespace: 'demo', limit: 3, _continue: page1.metadata?._continue ?? '' });
  expect(page2.items).toHaveLength(1);
  expect(page2.metadata?._continue).toBeUndefined();
});

test('delete with a stale uid precondition is 409 with the server wording; the right uid deletes (200, graceful: 202 is only for orphanDependents=false)', async () => {
  const pod = pods[0] as KubeObject;
  const name = pod.metadata.name ?? '';
  const stale = await failure(core.deleteNamespacedPod({ name, namespace: 'demo', body: { preconditions: { uid: 'not-the-uid' } } }));
  expect(stale.code).toBe(409);
  expect(stale.status).toMatchObject({
    reason: 'Conflict',
    message: `Operation cannot be fulfilled on Pod "${name}": the UID in the precondition (not-the-uid) does not match the UID in record (${pod.metadata.uid}). The object might have been deleted and then recreated`,
  });
  expect(fake.get('pods', 'demo', name)).toBeDefined();

  const deleted = await core.deleteNamespacedPodWithHttpInfo({ name, namespace: 'demo', body: { preconditions: { uid: pod.metadata.uid ?? '' }, gracePeriodSeconds: 10 } });
  expect(deleted.httpStatusCode).toBe(200);
  expect(deleted.data.metadata?.deletionGracePeriodSeconds).toBe(10);
  expect(deleted.data.metadata?.deletionTimestamp).toBeInstanceOf(Date);
  expect(fake.get('pods', 'demo', name)).toBeUndefined();
  const body = fake.requests.at(-1)?.body;
  expect(body).toMatchObject({ preconditions: { uid: pod.metadata.uid }, gracePeriodSeconds: 10 });
});

test('resourceVersion preconditions, zero grace periods and unscheduled pods delete at once (200)', async () => {
  const [a, b] = pods as [KubeObject, KubeObject];
  const stale = await failure(core.deleteNamespacedPod({ name: a.metadata.name ?? '', namespace: 'demo', body: { preconditions: { resourceVersion: '1' } } }));
  expect(stale.code).toBe(409);
  expect(stale.status).toMatchObject({
    reason: 'Conflict',
    details: { kind: 'Pod' },
    message: `Operation cannot be fulfilled on Pod "${a.metadata.name}": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (${a.metadata.resourceVersion}). The object might have been modified`,
  });
  const now = await core.deleteNamespacedPodWithHttpInfo({ name: b.metadata.name ?? '', namespace: 'demo', body: { gracePeriodSeconds: 0 } });
  expect(now.httpStatusCode).toBe(200);
  // As kube-apiserver answers an immediate delete: the pod, marked, with a grace period of 0.
  expect(now.data.metadata?.deletionGracePeriodSeconds).toBe(0);
  expect(now.data.metadata?.deletionTimestamp).toBeInstanceOf(Date);
  expect(fake.get('pods', 'demo', b.metadata.name ?? '')).toBeUndefined();
});

test('keepTerminatingPods keeps a gracefully deleted pod marked until it is removed', async () => {
  fake.setBehaviour({ keepTerminatingPods: true });
  const name = pods[0]?.metadata.name ?? '';
  await core.deleteNamespacedPod({ name, namespace: 'demo' });
  expect(field(fake.get('pods', 'demo', name), 'metadata', 'deletionGracePeriodSeconds')).toBe(30);
});

test('deleting a deployment cascades to its ReplicaSets and pods; Orphan leaves them ownerless', async () => {
  const answer = await apps.deleteNamespacedDeployment({ name: 'web', namespace: 'demo' });
  expect(answer).toMatchObject({ status: 'Success', details: { name: 'web', group: 'apps', kind: 'deployments' } });
  expect(fake.list('pods', 'demo', { labelSelector: 'app=web' })).toHaveLength(0);
  expect(fake.list('replicasets', 'demo', { labelSelector: 'app=web' })).toHaveLength(0);

  await apps.deleteNamespacedDeployment({ name: 'api', namespace: 'demo', propagationPolicy: 'Orphan' });
  const orphans = fake.list('replicasets', 'demo', { labelSelector: 'app=api' });
  expect(orphans).toHaveLength(1);
  expect(orphans[0]?.metadata.ownerReferences).toEqual([]);
});

test('events are filtered by involvedObject name and kind', async () => {
  const pod = pods[0] as KubeObject;
  const event = (name: string, kind: string, objName: string, reason: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'demo' },
    involvedObject: { kind, name: objName, namespace: 'demo' },
    reason,
    type: 'Normal',
  });
  fake.seed(event('e1', 'Pod', pod.metadata.name ?? '', 'Pulled'), event('e2', 'Deployment', 'web', 'ScalingReplicaSet'), event('e3', 'Pod', 'other', 'Killing'));
  const forPod = await core.listNamespacedEvent({ namespace: 'demo', fieldSelector: `involvedObject.name=${pod.metadata.name},involvedObject.kind=Pod` });
  expect(forPod.items.map((e) => e.reason)).toEqual(['Pulled']);
  const forWeb = await core.listNamespacedEvent({ namespace: 'demo', fieldSelector: 'involvedObject.name=web' });
  expect(forWeb.items.map((e) => e.reason)).toEqual(['ScalingReplicaSet']);
  expect((await core.listNamespacedEvent({ namespace: 'demo', fieldSelector: 'reason=Killing' })).items).toHaveLength(1);
});

test('logs are text/plain and honour container, tailLines and previous', async () => {
  const name = pods[0]?.metadata.name ?? '';
  fake.setPodLogs('demo', name, ['one', 'two', 'three']);
  fake.setPodLogs('demo', name, 'crashed before\n', { previous: true });
  expect(await core.readNamespacedPodLog({ name, namespace: 'demo' })).toBe('one\ntwo\nthree\n');
  expect(await core.readNamespacedPodLog({ name, namespace: 'demo', tailLines: 2 })).toBe('two\nthree\n');
  expect(await core.readNamespacedPodLog({ name, namespace: 'demo', container: 'web', previous: true })).toBe('crashed before\n');
  const answer = await raw(fake, 'GET', `/api/v1/namespaces/demo/pods/${name}/log?tailLines=1`);
  expect(answer.contentType).toBe('text/plain');
  expect(answer.text).toBe('three\n');
  const wrong = await failure(core.readNamespacedPodLog({ name, namespace: 'demo', container: 'nope' }));
  expect(wrong.status.message).toBe(`container nope is not valid for pod ${name}`);
  const noPrevious = await failure(core.readNamespacedPodLog({ name: pods[1]?.metadata.name ?? '', namespace: 'demo', previous: true }));
  expect(noPrevious.code).toBe(400);
});

test('cordon is a patch of spec.unschedulable, visible to field selectors', async () => {
  const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
  const cordoned = await core.patchNode({ name: 'node-a', body: { spec: { unschedulable: true } } }, strategic);
  expect(cordoned.spec?.unschedulable).toBe(true);
  expect(names(await core.listNode({ fieldSelector: 'spec.unschedulable=true' }))).toEqual(['node-a']);
  const uncordoned = await core.patchNode({ name: 'node-a', body: { spec: { unschedulable: null } } }, strategic);
  expect(uncordoned.spec?.unschedulable).toBeUndefined();
});
