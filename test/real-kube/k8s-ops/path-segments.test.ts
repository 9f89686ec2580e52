/**
 * Names that are path segments, on a real kube-apiserver: `.` and `..` as a
 * name or namespace, or a name with `/` or `%`, must never let a call that
 * says "ConfigMap ns/.." reach another object (`/namespaces/ns/configmaps/..`
 * is `/namespaces/ns/` once a URL is normalised: the Namespace itself), and
 * an apiVersion or kind with `/`, `?`, `#` or `..` never reaches the server.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { createK8sOps } from '../../../src/k8s/ops.js';
import type { K8sOps } from '../../../src/k8s/types.js';
import { freshNamespace, useRealKube } from '../support.js';

const kube = useRealKube({ controllerManager: false });
const ops = (dryRun: boolean): K8sOps => createK8sOps({ cluster: 'real', kubeConfig: kube().kubeConfig(), dryRun });
let ns: string;

beforeAll(async () => {
  ns = await freshNamespace(kube(), 'segments');
  await kube()
    .kubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'settings' }, data: { mode: 'fast' } } });
}, 60_000);

async function namespaceLabels(): Promise<Record<string, string>> {
  const n = await kube().kubeConfig().makeApiClient(CoreV1Api).readNamespace({ name: ns });
  return n.metadata?.labels ?? {};
}

test('a name of . or .. (or with / or %) is params_invalid, and the Namespace is not patched through it', async () => {
  for (const name of ['..', '.', '', 'a/b', 'a%2Fb']) {
    for (const dry of [false, true]) {
      await expect(ops(dry).patch('v1', 'ConfigMap', name, { metadata: { labels: { hijacked: 'yes' } } }, { namespace: ns })).rejects.toMatchObject({ code: 'params_invalid' });
      await expect(ops(dry).get('v1', 'ConfigMap', name, { namespace: ns })).rejects.toMatchObject({ code: 'params_invalid' });
      await expect(
        ops(dry).apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { a: 'b' } }),
      ).rejects.toMatchObject({ code: 'params_invalid' });
    }
  }
  expect(await namespaceLabels()).not.toHaveProperty('hijacked');
});

test('an empty pod name is refused: DELETE /namespaces/ns/pods/ would be a delete of the whole collection', async () => {
  const core = kube().kubeConfig().makeApiClient(CoreV1Api);
  // No scheduler runs: the pod stays Pending, and a delete would remove it at once.
  await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'victim' }, spec: { containers: [{ name: 'c', image: 'example.invalid/none' }] } } });
  await expect(ops(false).deletePod(ns, '')).rejects.toMatchObject({ code: 'params_invalid' });
  await expect(ops(false).getPod(ns, '')).rejects.toMatchObject({ code: 'params_invalid' });
  expect((await core.readNamespacedPod({ namespace: ns, name: 'victim' })).metadata?.name).toBe('victim');
});

test('a namespace of . or .. is params_invalid', async () => {
  for (const namespace of ['..', '.']) {
    await expect(ops(false).get('v1', 'ConfigMap', 'settings', { namespace })).rejects.toMatchObject({ code: 'params_invalid' });
    await expect(ops(false).list('v1', 'ConfigMap', { namespace })).rejects.toMatchObject({ code: 'params_invalid' });
  }
});

test('the typed operations refuse them too (a chat param is a name)', async () => {
  await expect(ops(false).getPod(ns, '..')).rejects.toMatchObject({ code: 'params_invalid' });
  await expect(ops(false).cordonNode('..')).rejects.toMatchObject({ code: 'params_invalid' });
  await expect(ops(false).restartDeployment(ns, '.')).rejects.toMatchObject({ code: 'params_invalid' });
  await expect(ops(true).deletePod(ns, '..')).rejects.toMatchObject({ code: 'params_invalid' });
});

test('an apiVersion or kind that is not one is params_invalid before anything is sent', async () => {
  const bad: Array<[string, string]> = [
    ['v1/namespaces/x', 'ConfigMap'],
    ['../api/v1', 'ConfigMap'],
    ['v1?watch=true', 'ConfigMap'],
    ['apps/v1#', 'Deployment'],
    ['v1', 'Config Map'],
    ['v1', '../Secret'],
  ];
  for (const [apiVersion, kind] of bad) {
    await expect(ops(false).get(apiVersion, kind, 'settings', { namespace: ns })).rejects.toMatchObject({ code: 'params_invalid' });
  }
  // A real one still works.
  expect((await ops(false).get('v1', 'ConfigMap', 'settings', { namespace: ns })).metadata.name).toBe('settings');
});
