/**
 * Where a Secret's values might still show through ctx.k8s on a real
 * kube-apiserver: a Secret created by `kubectl apply` carries its whole
 * content in the last-applied-configuration annotation; JSON patches adding
 * data; a test op that fails; the server's own error messages.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { createK8sOps } from '../../../src/k8s/ops.js';
import type { K8sOps } from '../../../src/k8s/types.js';
import { freshNamespace, useRealKube } from '../support.js';

const kube = useRealKube({ controllerManager: false });
const ops = (dryRun: boolean): K8sOps => createK8sOps({ cluster: 'real', kubeConfig: kube().kubeConfig(), dryRun });
let ns: string;

const VALUE = 'kubectl-applied-pa55';
const NEW_VALUE = 'json-patched-v4lue';
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const leaks = (text: string): string[] => [VALUE, NEW_VALUE, b64(VALUE), b64(NEW_VALUE)].filter((v) => text.includes(v));

beforeAll(async () => {
  ns = await freshNamespace(kube(), 'secret-leaks');
  // As `kubectl apply -f secret.yaml` leaves it: the manifest, values and all, in an annotation.
  const applied = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: ns }, stringData: { password: VALUE } };
  await kube()
    .kubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name: 'db', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(applied) } },
        stringData: { password: VALUE },
      },
    });
}, 60_000);

test('the object a Secret write answers hides the values kubectl apply left in its annotation', async () => {
  for (const dry of [true, false]) {
    const change = await ops(dry).patch('v1', 'Secret', 'db', { metadata: { labels: { touched: String(dry) } } }, { namespace: ns });
    expect(leaks(JSON.stringify(change))).toEqual([]);
  }
  const applied = await ops(true).apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: ns }, stringData: { other: 'x' } }, { force: true });
  expect(leaks(JSON.stringify(applied))).toEqual([]);
});

test('a JSON patch adding a key, and a failing test op, show no value', async () => {
  const added = await ops(true).patch('v1', 'Secret', 'db', [{ op: 'add', path: '/data/token', value: b64(NEW_VALUE) }], { namespace: ns, type: 'json' });
  expect(added.diff).toContain('token');
  expect(leaks(JSON.stringify(added))).toEqual([]);
  const failed = await ops(true)
    .patch('v1', 'Secret', 'db', [{ op: 'test', path: '/data/password', value: b64(NEW_VALUE) }], { namespace: ns, type: 'json' })
    .then(() => new Error('patched'), (e: unknown) => e as Error);
  expect(failed).toMatchObject({ code: expect.stringMatching(/^k8s_/) as unknown });
  expect(leaks(`${failed.message} ${JSON.stringify(failed)}`)).toEqual([]);
});

test("the server's refusal of a bad Secret does not carry its value", async () => {
  const refused = await ops(true)
    .apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bad', namespace: ns }, type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': `{${NEW_VALUE}` } })
    .then(() => new Error('applied'), (e: unknown) => e as Error);
  expect(refused).toMatchObject({ code: 'k8s_invalid' });
  expect(leaks(`${refused.message} ${JSON.stringify(refused)}`)).toEqual([]);
});
