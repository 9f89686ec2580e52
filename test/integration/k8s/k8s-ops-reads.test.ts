/**
 * K8sOps reads against the fake, through the real client.
 */
import type { K8sHooks } from '../../../src/k8s/types.js';
import { createK8sOps } from '../../../src/k8s/ops.js';
import { startK8sFake, type K8sFake, type KubeObject } from '../../../src/testing/index.js';
import { deployment, namespace, node } from './fake-helpers.js';

let fake: K8sFake;
let webPods: KubeObject[];
const calls: { cluster: string; verb: string; resource: string; code: number }[] = [];
const hooks: K8sHooks = { onApiCall: (c) => calls.push(c) };

beforeAll(async () => {
  fake = await startK8sFake();
  fake.seed(namespace('demo'), namespace('shop'), node('node-a'), node('node-b', true), deployment('web', { replicas: 3 }), deployment('cart', { namespace: 'shop' }));
  webPods = fake.seedPodsFor('demo', 'web', 3, { nodeNames: ['node-a'] });
  fake.seed({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'web.1', namespace: 'demo' },
    involvedObject: { kind: 'Deployment', name: 'web', namespace: 'demo' },
    reason: 'ScalingReplicaSet',
    message: 'Scaled up',
  });
  fake.seed({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'pod.1', namespace: 'demo' },
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'demo' },
    reason: 'NotTheDeployment',
  });
});

afterAll(async () => {
  await fake.stop();
});

const ops = (): ReturnType<typeof createK8sOps> => createK8sOps({ cluster: 'test', kubeConfig: fake.kubeConfig(), dryRun: false, hooks });

test('deployments: get, list in a namespace and across namespaces, with selectors', async () => {
  const k8s = ops();
  expect(k8s.cluster).toBe('test');
  expect(k8s.dryRun).toBe(false);
  expect((await k8s.getDeployment('demo', 'web')).spec?.replicas).toBe(3);
  expect((await k8s.listDeployments('demo')).map((d) => d.metadata?.name)).toEqual(['web']);
  expect((await k8s.listDeployments()).map((d) => `${d.metadata?.namespace}/${d.metadata?.name}`)).toEqual(['demo/web', 'shop/cart']);
  expect(await k8s.listDeployments(undefined, { labelSelector: 'app=cart' })).toHaveLength(1);
  expect(await k8s.getScale('demo', 'web')).toBe(3);
  expect((await k8s.listReplicaSets('demo', { labelSelector: 'app=web' }))[0]?.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
});

test('pods and logs', async () => {
  const k8s = ops();
  const name = webPods[0]?.metadata.name ?? '';
  expect((await k8s.getPod('demo', name)).metadata?.uid).toBe(webPods[0]?.metadata.uid);
  expect(await k8s.listPods('demo', { labelSelector: 'app=web', fieldSelector: 'spec.nodeName=node-a' })).toHaveLength(3);
  expect(await k8s.listPods('demo', { fieldSelector: 'status.phase=Failed' })).toHaveLength(0);
  fake.setPodLogs('demo', name, ['a', 'b', 'c', 'd']);
  fake.setPodLogs('demo', name, ['oops'], { previous: true });
  expect(await k8s.readPodLogs('demo', name, { tailLines: 2 })).toBe('c\nd\n');
  expect(await k8s.readPodLogs('demo', name, { container: 'web', previous: true })).toBe('oops\n');
  expect(fake.requests.at(-1)?.query).toMatchObject({ container: 'web', previous: 'true' });
});

test('nodes and events', async () => {
  const k8s = ops();
  expect((await k8s.getNode('node-b')).spec?.unschedulable).toBe(true);
  expect((await k8s.listNodes({ fieldSelector: 'spec.unschedulable=false' })).map((n) => n.metadata?.name)).toEqual(['node-a']);
  const events = await k8s.listEvents('demo', { kind: 'Deployment', name: 'web' });
  expect(events.map((e) => e.reason)).toEqual(['ScalingReplicaSet']);
  expect(fake.requests.at(-1)?.query.fieldSelector).toBe('involvedObject.name=web,involvedObject.kind=Deployment');
  expect(await k8s.listEvents('demo')).toHaveLength(2);
});

test('every call is reported to onApiCall with verb, resource and HTTP code', async () => {
  calls.length = 0;
  const k8s = ops();
  await k8s.getScale('demo', 'web');
  await k8s.readPodLogs('demo', webPods[0]?.metadata.name ?? '');
  await k8s.listNodes();
  await k8s.getDeployment('demo', 'missing').catch(() => undefined);
  expect(calls).toEqual([
    { cluster: 'test', verb: 'get', resource: 'deployments/scale', code: 200 },
    { cluster: 'test', verb: 'get', resource: 'pods/log', code: 200 },
    { cluster: 'test', verb: 'list', resource: 'nodes', code: 200 },
    { cluster: 'test', verb: 'get', resource: 'deployments', code: 404 },
  ]);
});
