/**
 * ctx.k8s.get/list/apply/patch on a real kube-apiserver, a
 * CustomResourceDefinition created here included: discovery finds the new
 * kind, a dry-run apply or patch returns the server's plan and changes
 * nothing (read independently, by resourceVersion, absent objects stay
 * absent), for real they change what the plan said, and a Secret's values
 * show nowhere.
 */
import { ApiextensionsV1Api, CoreV1Api, KubernetesObjectApi, type KubeConfig } from '@kubernetes/client-node';
import { createK8sOps } from '../../../src/k8s/ops.js';
import type { K8sOps, KubeObject, PlannedChange } from '../../../src/k8s/types.js';
import { waitFor } from '../../support/wait-for.js';
import { freshNamespace, useRealKube } from '../support.js';

const kube = useRealKube({ controllerManager: false });
const ops = (dryRun: boolean): K8sOps => createK8sOps({ cluster: 'real', kubeConfig: kube().kubeConfig(), dryRun });
let ns: string;

const GROUP = 'drover-test.example.com';
const WIDGETS = `widgets.${GROUP}`;

interface Widget extends KubeObject {
  spec: { size: number; color?: string };
}

/** Every object these tests touch, kind/name → resourceVersion, read with an admin client that is not Drover's. */
async function snapshot(kc: KubeConfig): Promise<Map<string, string>> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  const out = new Map<string, string>();
  for (const [apiVersion, kind] of [['v1', 'ConfigMap'], ['v1', 'Secret'], [`${GROUP}/v1`, 'Widget']] as const) {
    for (const item of (await client.list(apiVersion, kind, ns)).items) {
      // Service account token Secrets come and go with their controller (not running here); none in a fresh namespace.
      out.set(`${kind} ${item.metadata?.name ?? ''}`, item.metadata?.resourceVersion ?? '');
    }
  }
  return out;
}

beforeAll(async () => {
  const kc = kube().kubeConfig();
  ns = await freshNamespace(kube(), 'generic');
  await kc.makeApiClient(ApiextensionsV1Api).createCustomResourceDefinition({
    body: {
      metadata: { name: WIDGETS },
      spec: {
        group: GROUP,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1 }, color: { type: 'string' } } } } } },
          },
        ],
      },
    },
  });
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'settings', labels: { app: 'web' } }, data: { mode: 'fast' } } });
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'db' }, stringData: { password: 'first-secret-value' } } });
  // The kind is served once the CRD is established.
  await waitFor(
    () =>
      KubernetesObjectApi.makeApiClient(kc)
        .list(`${GROUP}/v1`, 'Widget', ns)
        .then(() => true, () => false),
    'the Widget kind to be served',
    30_000,
  );
  await ops(false).apply<Widget>({ apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name: 'w1', namespace: ns }, spec: { size: 1 } });
}, 120_000);

afterAll(async () => {
  await kube().kubeConfig().makeApiClient(ApiextensionsV1Api).deleteCustomResourceDefinition({ name: WIDGETS }).catch(() => undefined);
});

test('get and list any kind, the custom one included, typed', async () => {
  const w = await ops(false).get<Widget>(`${GROUP}/v1`, 'Widget', 'w1', { namespace: ns });
  expect(w.spec.size).toBe(1);
  const cms = await ops(false).list('v1', 'ConfigMap', { namespace: ns, labelSelector: 'app=web' });
  expect(cms.map((c) => [c.kind, c.metadata.name])).toEqual([['ConfigMap', 'settings']]);
  await expect(ops(false).get(`${GROUP}/v1`, 'Gizmo', 'x', { namespace: ns })).rejects.toMatchObject({ code: 'k8s_api_missing' });
});

const secretValues = ['first-secret-value', 'second-secret-value', Buffer.from('first-secret-value').toString('base64'), Buffer.from('second-secret-value').toString('base64')];

const dryWrites: Array<[string, (o: K8sOps) => Promise<PlannedChange>]> = [
  ['apply a ConfigMap change', (o) => o.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { mode: 'safe' } }, { force: true })],
  ['apply a new ConfigMap', (o) => o.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fresh', namespace: ns }, data: { a: 'b' } })],
  ['apply a Secret change', (o) => o.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: ns }, stringData: { password: 'second-secret-value' } }, { force: true })],
  ['apply a Widget change', (o) => o.apply({ apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name: 'w1', namespace: ns }, spec: { size: 3, color: 'red' } })],
  ['apply a new Widget', (o) => o.apply({ apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name: 'w2', namespace: ns }, spec: { size: 2 } })],
  ['merge-patch a Widget', (o) => o.patch(`${GROUP}/v1`, 'Widget', 'w1', { spec: { size: 9 } }, { namespace: ns })],
  ['json-patch a ConfigMap', (o) => o.patch('v1', 'ConfigMap', 'settings', [{ op: 'replace', path: '/data/mode', value: 'slow' }], { namespace: ns, type: 'json' })],
  ['strategic-patch a Secret', (o) => o.patch('v1', 'Secret', 'db', { stringData: { password: 'second-secret-value' } }, { namespace: ns, type: 'strategic' })],
];

describe('dry run: the server plans, nothing changes', () => {
  test.each(dryWrites)('%s', async (_name, write) => {
    const kc = kube().kubeConfig();
    const before = await snapshot(kc);
    const change = await write(ops(true));
    expect(change.dryRun).toBe(true);
    expect(change.diff).not.toBe('');
    expect(change.diff).toContain('after (dry run)');
    for (const v of secretValues) expect(JSON.stringify(change)).not.toContain(v);
    expect(await snapshot(kc)).toEqual(before);
  }, 60_000);
});

describe('for real: what the plan said', () => {
  test('apply changes the Widget as the dry run said it would, and is a server-side apply by drover', async () => {
    const dry = await ops(true).apply<Widget>({ apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name: 'w1', namespace: ns }, spec: { size: 4 } });
    const real = await ops(false).apply<Widget>({ apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name: 'w1', namespace: ns }, spec: { size: 4 } });
    expect(real.diff.replace('after\n', 'after (dry run)\n')).toBe(dry.diff);
    expect(real.object.spec.size).toBe(4);
    const stored = await KubernetesObjectApi.makeApiClient(kube().kubeConfig()).read({ apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name: 'w1', namespace: ns } });
    expect((stored as unknown as Widget).spec.size).toBe(4);
    expect(stored.metadata?.managedFields?.some((m) => m.manager === 'drover' && m.operation === 'Apply')).toBe(true);
  }, 60_000);

  test('the server validates a custom kind: a Widget of size 0 is k8s_invalid, in its words', async () => {
    await expect(ops(false).patch(`${GROUP}/v1`, 'Widget', 'w1', { spec: { size: 0 } }, { namespace: ns })).rejects.toMatchObject({
      code: 'k8s_invalid',
      message: expect.stringContaining('spec.size') as unknown,
    });
  });

  test('a strategic patch of a custom kind is refused by the server (k8s_unsupported): merge or json it is', async () => {
    await expect(ops(false).patch(`${GROUP}/v1`, 'Widget', 'w1', { spec: { size: 2 } }, { namespace: ns, type: 'strategic' })).rejects.toMatchObject({ code: 'k8s_unsupported' });
  });

  test('a field another manager set (the ConfigMap was created by a plain POST) is a conflict unless forced', async () => {
    await expect(ops(false).apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { mode: 'other' } })).rejects.toMatchObject({ code: 'k8s_conflict' });
    const forced = await ops(false).apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { mode: 'other' } }, { force: true });
    expect(forced.diff).toContain('+  mode: other');
  });

  test('a Secret patched for real: values masked in the diff and the object, the server holds the new one', async () => {
    const change = await ops(false).patch('v1', 'Secret', 'db', { data: { password: Buffer.from('second-secret-value').toString('base64') } }, { namespace: ns });
    for (const v of secretValues) expect(JSON.stringify(change)).not.toContain(v);
    expect(change.diff).toContain('+  password: "<redacted: changed>"');
    const stored = await kube().kubeConfig().makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: ns, name: 'db' });
    expect(Buffer.from(stored.data?.password ?? '', 'base64').toString()).toBe('second-secret-value');
  });
});
