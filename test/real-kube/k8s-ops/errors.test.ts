/**
 * How K8sOps reports what a real kube-apiserver refuses or cannot give: the
 * codes and words come from the server, checked here against the server.
 */
import { AutoscalingV2Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { ApiCaller } from '../../../src/k8s/api-caller.js';
import { createK8sOps } from '../../../src/k8s/ops.js';
import { TOKENS } from '../cluster.js';
import { freshNamespace, useRealKube } from '../support.js';

const kube = useRealKube({ controllerManager: false });
const ops = (token?: string) => createK8sOps({ cluster: 'real', kubeConfig: kube().kubeConfig(token), dryRun: false });

test('a missing object: k8s_not_found with the server\'s message', async () => {
  const ns = await freshNamespace(kube());
  await expect(ops().getDeployment(ns, 'nope')).rejects.toMatchObject({
    code: 'k8s_not_found',
    retryable: false,
    message: 'cluster "real": deployments.apps "nope" not found',
  });
  await expect(ops().setHpaMaxReplicas(ns, 'nope', 3)).rejects.toMatchObject({ code: 'k8s_not_found', message: 'cluster "real": horizontalpodautoscalers.autoscaling "nope" not found' });
});

test('an API version the cluster does not serve: k8s_api_missing naming it and the cluster, not a bare 404', async () => {
  // What Drover sent before it asked the cluster: autoscaling/v2, which 1.20 does not serve.
  const caller = new ApiCaller({ cluster: 'real' });
  const api = kube().kubeConfig().makeApiClient(AutoscalingV2Api);
  const err = await caller
    .call({ verb: 'get', resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespace: 'default', name: 'web' }, (o) =>
      api.readNamespacedHorizontalPodAutoscalerWithHttpInfo({ namespace: 'default', name: 'web' }, o),
    )
    .catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'k8s_api_missing', details: { groupVersion: 'autoscaling/v2' } });
  expect((err as Error).message).toMatch(/^cluster "real" does not serve autoscaling\/v2 horizontalpodautoscalers/);
});

test('a group the cluster does not know at all (plain-text 404): k8s_api_missing too', async () => {
  const caller = new ApiCaller({ cluster: 'real' });
  const api = kube().kubeConfig().makeApiClient(CustomObjectsApi);
  const err = await caller
    .call({ verb: 'list', resource: 'things', kind: 'Thing', namespace: 'default' }, (o) =>
      api.listNamespacedCustomObjectWithHttpInfo({ group: 'nope.example.com', version: 'v1', namespace: 'default', plural: 'things' }, o),
    )
    .catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'k8s_api_missing', details: { groupVersion: 'nope.example.com/v1' } });
});

test('pod logs of a pod that never ran: k8s_no_logs, said plainly', async () => {
  const ns = await freshNamespace(kube());
  const core = kube().kubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'pending' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
  await expect(ops().readPodLogs(ns, 'pending')).rejects.toMatchObject({
    code: 'k8s_no_logs',
    message: `no logs for pod ${ns}/pending on cluster "real": the pod never started (it has no node, so no container has run)`,
  });
  // Assigned to a node whose kubelet does not exist: the server cannot fetch them either.
  await core.createNode({ body: { metadata: { name: `ghost-${ns}` } } });
  await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'placed' }, spec: { nodeName: `ghost-${ns}`, containers: [{ name: 'c', image: 'busybox' }] } } });
  const err = await ops().readPodLogs(ns, 'placed').catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'k8s_no_logs' });
  expect((err as Error).message).toMatch(new RegExp(`^no logs for pod ${ns}/placed on cluster "real": `));
});

test('RBAC refuses: k8s_forbidden, not retryable, in the server\'s words', async () => {
  const ns = await freshNamespace(kube());
  await expect(ops(TOKENS.nobody).scaleDeployment(ns, 'web', 2)).rejects.toMatchObject({
    code: 'k8s_forbidden',
    retryable: false,
    message: `cluster "real": deployments.apps "web" is forbidden: User "drover-nobody" cannot get resource "deployments/scale" in API group "apps" in the namespace "${ns}"`,
  });
});

test('a token the server does not know: k8s_unauthorized with a hint', async () => {
  await expect(ops('not-a-token').listNodes()).rejects.toMatchObject({ code: 'k8s_unauthorized', retryable: false });
});
