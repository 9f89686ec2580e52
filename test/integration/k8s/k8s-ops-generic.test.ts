/**
 * ctx.k8s.get/list/apply/patch against the fake: discovery finds the
 * resource, apply is a server-side apply by `drover`, dry runs change
 * nothing, every write reaches the hooks with its plan, Secrets never show a
 * value, and impersonation and the request timeout hold as for typed calls.
 */
import { DroverError } from '../../../src/errors.js';
import { createK8sOps } from '../../../src/k8s/ops.js';
import type { K8sHooks, K8sIdentity, K8sOps, KubeObject, MutationRecord, PlannedChange } from '../../../src/k8s/types.js';
import { startK8sFake, type K8sFake } from '../../../src/testing/index.js';
import { deployment, field, namespace, raw } from './fake-helpers.js';

let fake: K8sFake;
let mutations: { record: MutationRecord; change: PlannedChange | undefined }[];
const hooks: K8sHooks = {
  onMutation: (record, change) => {
    mutations.push({ record, change });
  },
};

beforeEach(async () => {
  fake = await startK8sFake();
  fake.seed(namespace('shop'), deployment('web', { namespace: 'shop', replicas: 2, image: 'nginx:1.26' }));
  fake.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop', labels: { app: 'web' } }, data: { mode: 'fast' } });
  mutations = [];
  fake.clearRequests();
});

afterEach(async () => {
  await fake.stop();
});

function ops(dryRun: boolean, extra: { impersonate?: K8sIdentity; requestTimeoutMs?: number } = {}): K8sOps {
  return createK8sOps({ cluster: 'test', kubeConfig: fake.kubeConfig(), dryRun, hooks, ...extra });
}

const configMap = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data });

interface Settings extends KubeObject {
  data: { mode: string };
}

describe('reads', () => {
  test('get any kind by apiVersion and kind, typed by the caller', async () => {
    const cm = await ops(false).get<Settings>('v1', 'ConfigMap', 'settings', { namespace: 'shop' });
    expect(cm.data.mode).toBe('fast');
    const web = await ops(false).get('apps/v1', 'Deployment', 'web', { namespace: 'shop' });
    expect(field(web, 'spec', 'replicas')).toBe(2);
    expect(fake.requests.map((r) => r.path)).toContain('/api/v1/namespaces/shop/configmaps/settings');
  });

  test('list with selectors and a limit; items carry apiVersion and kind', async () => {
    const all = await ops(false).list('v1', 'ConfigMap', { namespace: 'shop', labelSelector: 'app=web', limit: 10 });
    expect(all.map((o) => [o.apiVersion, o.kind, o.metadata.name])).toEqual([['v1', 'ConfigMap', 'settings']]);
    expect(await ops(false).list('v1', 'ConfigMap', { namespace: 'shop', labelSelector: 'app=db' })).toEqual([]);
    const everywhere = await ops(false).list('apps/v1', 'Deployment');
    expect(everywhere.map((d) => d.metadata.name)).toEqual(['web']);
    const list = fake.requests.find((r) => r.query.labelSelector === 'app=web');
    expect(list?.query.limit).toBe('10');
  });

  test('a kind the cluster does not serve is k8s_api_missing, naming it; a missing object k8s_not_found', async () => {
    await expect(ops(false).get('example.com/v1', 'Widget', 'w1', { namespace: 'shop' })).rejects.toThrow(/does not serve kind Widget in example.com\/v1/);
    await expect(ops(false).get('v1', 'Gadget', 'x', { namespace: 'shop' })).rejects.toMatchObject({ code: 'k8s_api_missing' });
    await expect(ops(false).get('v1', 'ConfigMap', 'nope', { namespace: 'shop' })).rejects.toMatchObject({ code: 'k8s_not_found' });
  });

  test('a namespaced kind without a namespace is params_invalid, before anything is sent', async () => {
    await expect(ops(false).get('v1', 'ConfigMap', 'settings')).rejects.toMatchObject({ code: 'params_invalid' });
  });
});

describe('apply', () => {
  test('a dry-run apply is a server-side apply by drover with dryRun=All: planned, diffed, nothing changes', async () => {
    const rv = fake.resourceVersion();
    const change = await ops(true).apply(configMap({ mode: 'safe' }));
    expect(change).toMatchObject({ verb: 'patch', kind: 'ConfigMap', namespace: 'shop', name: 'settings', dryRun: true, summary: 'apply ConfigMap shop/settings' });
    expect(change.diff).toContain('-  mode: fast\n+  mode: safe');
    expect(change.diff).toContain('after (dry run)');
    expect(change.object.data).toEqual({ mode: 'safe' });
    expect(fake.resourceVersion()).toBe(rv);
    expect(field(fake.get('configmaps', 'shop', 'settings'), 'data', 'mode')).toBe('fast');
    const patch = fake.requests.find((r) => r.method === 'PATCH');
    expect(patch).toMatchObject({ contentType: 'application/apply-patch+yaml', query: { fieldManager: 'drover', dryRun: 'All' } });
    expect(mutations).toHaveLength(1);
    expect(mutations[0]?.record).toMatchObject({ verb: 'patch', kind: 'ConfigMap', dryRun: true, outcome: 'succeeded' });
    expect(mutations[0]?.change?.summary).toBe(change.summary);
    // The hooks get the change, never the object.
    expect(mutations[0]?.change).not.toHaveProperty('object');
  });

  test('a real apply creates a missing object (verb create), then changes it; the same apply again is no change', async () => {
    const created = await ops(false).apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flags' }, data: { canary: 'on' } }, { namespace: 'shop' });
    expect(created).toMatchObject({ verb: 'create', summary: 'apply (create) ConfigMap shop/flags', dryRun: false });
    expect(created.diff).toContain('+  canary: on');
    expect(field(fake.get('configmaps', 'shop', 'flags'), 'data', 'canary')).toBe('on');
    const again = await ops(false).apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flags', namespace: 'shop' }, data: { canary: 'on' } });
    expect(again).toMatchObject({ verb: 'patch', summary: 'apply ConfigMap shop/flags (no change)', diff: '' });
  });

  test('a field another apply manager owns is a conflict unless forced', async () => {
    await ops(false).apply(configMap({ mode: 'fast' }));
    // Another manager (kubectl here) takes mode over.
    const res = await raw(fake, 'PATCH', '/api/v1/namespaces/shop/configmaps/settings?fieldManager=kubectl&force=true', {
      contentType: 'application/apply-patch+yaml',
      body: configMap({ mode: 'slow' }),
    });
    expect(res.status).toBe(200);
    await expect(ops(false).apply(configMap({ mode: 'fast' }))).rejects.toMatchObject({ code: 'k8s_conflict' });
    expect(mutations.at(-1)?.record).toMatchObject({ outcome: 'failed', errorCode: 'k8s_conflict' });
    const forced = await ops(false).apply(configMap({ mode: 'fast' }), { force: true });
    expect(forced.diff).toContain('+  mode: fast');
  });

  test('the manifest and the options must agree on the namespace; a name is required', async () => {
    await expect(ops(false).apply(configMap({ a: 'b' }), { namespace: 'other' })).rejects.toMatchObject({ code: 'params_invalid' });
    await expect(ops(false).apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '' } }, { namespace: 'shop' })).rejects.toMatchObject({ code: 'params_invalid' });
    expect(mutations).toEqual([]);
  });
});

describe('patch', () => {
  test('merge (default), json and strategic patches, dry and real', async () => {
    const rv = fake.resourceVersion();
    const dry = await ops(true).patch('apps/v1', 'Deployment', 'web', { spec: { replicas: 4 } }, { namespace: 'shop' });
    expect(dry).toMatchObject({ verb: 'patch', summary: 'merge patch Deployment shop/web', dryRun: true });
    expect(dry.diff).toContain('-  replicas: 2\n+  replicas: 4');
    expect(fake.resourceVersion()).toBe(rv);
    expect(fake.requests.find((r) => r.method === 'PATCH')).toMatchObject({ contentType: 'application/merge-patch+json', query: { dryRun: 'All' } });

    await ops(false).patch('apps/v1', 'Deployment', 'web', [{ op: 'replace', path: '/spec/replicas', value: 3 }], { namespace: 'shop', type: 'json' });
    expect(field(fake.get('deployments', 'shop', 'web'), 'spec', 'replicas')).toBe(3);
    const strategic = await ops(false).patch(
      'apps/v1',
      'Deployment',
      'web',
      { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } } },
      { namespace: 'shop', type: 'strategic' },
    );
    expect(strategic.diff).toContain('-        - image: nginx:1.26\n+        - image: nginx:1.27');
  });

  test('a json patch must be a list, the others an object; a missing object is the server 404', async () => {
    await expect(ops(false).patch('v1', 'ConfigMap', 'settings', { data: {} }, { namespace: 'shop', type: 'json' })).rejects.toMatchObject({ code: 'params_invalid' });
    await expect(ops(false).patch('v1', 'ConfigMap', 'settings', [], { namespace: 'shop' })).rejects.toMatchObject({ code: 'params_invalid' });
    await expect(ops(false).patch('v1', 'ConfigMap', 'nope', { data: { a: 'b' } }, { namespace: 'shop' })).rejects.toMatchObject({ code: 'k8s_not_found' });
  });
});

describe('custom resources (a CustomResourceDefinition applied through ctx.k8s itself)', () => {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
  interface Widget extends KubeObject {
    spec: { size: number };
  }
  const widget = (size: number) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'shop' }, spec: { size } });

  test('a kind unknown a moment ago is found once its CRD is installed; get, list, apply and patch it, dry and real', async () => {
    const k8s = ops(false);
    await expect(k8s.get('example.com/v1', 'Widget', 'w1', { namespace: 'shop' })).rejects.toMatchObject({ code: 'k8s_api_missing' });
    const installed = await k8s.apply(crd);
    expect(installed).toMatchObject({ verb: 'create', kind: 'CustomResourceDefinition', name: 'widgets.example.com' });
    await k8s.apply(widget(1));
    expect((await k8s.get<Widget>('example.com/v1', 'Widget', 'w1', { namespace: 'shop' })).spec.size).toBe(1);
    expect((await k8s.list<Widget>('example.com/v1', 'Widget')).map((w) => [w.kind, w.metadata.name, w.spec.size])).toEqual([['Widget', 'w1', 1]]);

    const rv = fake.resourceVersion();
    const dry = await ops(true).apply<Widget>(widget(3));
    expect(dry.diff).toContain('-  size: 1\n+  size: 3');
    const dryPatch = await ops(true).patch('example.com/v1', 'Widget', 'w1', [{ op: 'replace', path: '/spec/size', value: 4 }], { namespace: 'shop', type: 'json' });
    expect(dryPatch.diff).toContain('+  size: 4');
    expect(fake.resourceVersion()).toBe(rv);

    await k8s.patch('example.com/v1', 'Widget', 'w1', { spec: { size: 5 } }, { namespace: 'shop' });
    expect(field(fake.get('widgets', 'shop', 'w1'), 'spec', 'size')).toBe(5);
    // As on a real server: no strategic merge patch for a custom kind.
    await expect(k8s.patch('example.com/v1', 'Widget', 'w1', { spec: { size: 6 } }, { namespace: 'shop', type: 'strategic' })).rejects.toMatchObject({ code: 'k8s_unsupported' });
  });

  test('seeded CRDs and objects serve at once; deleting the CRD takes its objects and its kind away', async () => {
    fake.seed(crd, widget(2));
    expect((await ops(false).get<Widget>('example.com/v1', 'Widget', 'w1', { namespace: 'shop' })).spec.size).toBe(2);
    const res = await raw(fake, 'DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com');
    expect(res.status).toBe(200);
    expect((await raw(fake, 'GET', '/apis/example.com/v1/namespaces/shop/widgets/w1')).text).toBe('404 page not found\n');
  });
});

describe('Secrets never show a value', () => {
  const secretValue = 'hunter2-very-secret-value';
  const secretB64 = Buffer.from(secretValue).toString('base64');

  test('apply and patch of a Secret: keys in the diff, values masked, in the change, the hooks and the returned object', async () => {
    const created = await ops(false).apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, stringData: { password: secretValue, user: 'app' } });
    const patched = await ops(false).patch('v1', 'Secret', 'db', { data: { password: Buffer.from('another-secret-value').toString('base64') } }, { namespace: 'shop' });
    const dry = await ops(true).apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, stringData: { password: 'third-secret-value' } });
    for (const change of [created, patched, dry]) {
      const shown = JSON.stringify(change);
      expect(shown).not.toContain(secretValue);
      expect(shown).not.toContain(secretB64);
      expect(shown).not.toContain('another-secret-value');
      expect(shown).not.toContain(Buffer.from('third-secret-value').toString('base64'));
    }
    expect(JSON.stringify(mutations)).not.toContain(secretB64);
    expect(created.diff).toContain('+  password: "<redacted: changed>"');
    expect(patched.diff).toContain('-  password: <redacted>\n+  password: "<redacted: changed>"\n   user: <redacted>');
    expect(created.object).toMatchObject({ data: { password: '<redacted>', user: '<redacted>' } });
    // The server kept the real value.
    expect(field(fake.get('secrets', 'shop', 'db'), 'data', 'user')).toBe(Buffer.from('app').toString('base64'));
  });
});

describe('as for the typed calls', () => {
  test('impersonation: every generic request, discovery included, carries the identity', async () => {
    const alice: K8sIdentity = { user: 'alice@example.com', groups: ['sre', 'team:shop'] };
    const k8s = ops(false, { impersonate: alice });
    await k8s.get('v1', 'ConfigMap', 'settings', { namespace: 'shop' });
    await k8s.list('apps/v1', 'Deployment', { namespace: 'shop' });
    await k8s.apply(configMap({ mode: 'slow' }));
    await k8s.patch('v1', 'ConfigMap', 'settings', { data: { mode: 'fast' } }, { namespace: 'shop' });
    expect(fake.requests.length).toBeGreaterThan(4);
    for (const r of fake.requests) {
      expect(r.impersonateUser).toBe('alice@example.com');
      expect(r.impersonateGroups).toEqual(['sre', 'team:shop']);
    }
  });

  test('the request timeout: a hung server is cluster_unreachable within the timeout', async () => {
    const k8s = ops(false, { requestTimeoutMs: 300 });
    await k8s.get('v1', 'ConfigMap', 'settings', { namespace: 'shop' }); // discovery cached
    fake.failNext({ method: 'GET', pathIncludes: '/configmaps/settings', delayMs: 5000 });
    const started = Date.now();
    const err = await k8s.get('v1', 'ConfigMap', 'settings', { namespace: 'shop' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DroverError);
    expect(err).toMatchObject({ code: 'cluster_unreachable', retryable: true });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('a dry run never sends a write the server would carry out (the caller guard applies to raw requests)', async () => {
    await ops(true).patch('v1', 'ConfigMap', 'settings', { data: { mode: 'x' } }, { namespace: 'shop' });
    const writes = fake.requests.filter((r) => r.method !== 'GET');
    expect(writes.length).toBe(1);
    expect(writes.every((r) => r.query.dryRun === 'All')).toBe(true);
  });
});
