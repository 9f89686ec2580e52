/**
 * The chart on the oldest Kubernetes Drover supports: the real Helm renders
 * it for 1.20 with every feature on, and the real 1.20 API server accepts
 * every object (created with dryRun=All, so the server validates each one
 * against its own schema and stores nothing). The same chart rendered for a
 * newer cluster uses policy/v1, which 1.20 does not serve.
 */
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { freshNamespace, useRealKube } from '../support.js';
import { helmBinary, helmTemplate, type RenderedObject } from './helm.js';

const kube = useRealKube({ controllerManager: false });

/** Every optional feature of the chart turned on. */
const EVERYTHING = {
  slack: { enabled: true, botToken: 'xoxb-1111-2222-bottoken', signingSecret: 'signing-secret-0123456789' },
  alertmanager: { enabled: true, webhookToken: 'webhook-token-0123456789abcdef' },
  worker: { separate: true, replicas: 2 },
  ingress: { enabled: true, className: 'nginx', hosts: ['drover.example.com'], tls: [{ secretName: 'drover-tls', hosts: ['drover.example.com'] }] },
  serviceMonitor: { enabled: true },
  podDisruptionBudget: { enabled: true },
  impersonation: { enabled: true, users: ['alice@example.com'], groups: ['sre'] },
};

/** Prometheus operator CRDs: a bare API server does not serve them, so they cannot be checked here. */
const NEEDS_CRD = new Set(['monitoring.coreos.com/v1']);

beforeAll(() => {
  helmBinary();
}, 300_000);

async function dryRunCreate(objects: RenderedObject[], namespace: string): Promise<string[]> {
  const client = KubernetesObjectApi.makeApiClient(kube().kubeConfig());
  const refused: string[] = [];
  for (const object of objects) {
    if (NEEDS_CRD.has(object.apiVersion)) continue;
    const body = { ...object, metadata: { ...object.metadata } } as KubernetesObject;
    try {
      await client.create(body, undefined, 'All');
    } catch (err) {
      const e = err as { code?: number; body?: unknown };
      refused.push(`${object.apiVersion} ${object.kind} ${object.metadata.name} (namespace ${namespace}): ${e.code ?? ''} ${typeof e.body === 'string' ? e.body : JSON.stringify(e.body ?? String(err))}`);
    }
  }
  return refused;
}

it('renders for Kubernetes 1.20, and the 1.20 API server accepts every object', async () => {
  const namespace = await freshNamespace(kube(), 'chart');
  const objects = await helmTemplate({ release: 'drover', kubeVersion: '1.20.2', namespace, values: EVERYTHING });
  const kinds = new Set(objects.map((o) => o.kind));
  for (const kind of ['Deployment', 'Service', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'PodDisruptionBudget', 'Ingress', 'Secret', 'ConfigMap']) {
    expect(kinds).toContain(kind);
  }
  expect(objects.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.apiVersion)).toEqual(['policy/v1beta1', 'policy/v1beta1']);
  expect(await dryRunCreate(objects, namespace)).toEqual([]);
  // The dry run stored nothing.
  const client = KubernetesObjectApi.makeApiClient(kube().kubeConfig());
  const listed = await client.list('apps/v1', 'Deployment', namespace);
  expect(listed.items).toEqual([]);
}, 120_000);

it('renders policy/v1 for 1.21 and later, which a 1.20 server does not serve', async () => {
  const namespace = await freshNamespace(kube(), 'chart');
  const objects = await helmTemplate({ release: 'drover', kubeVersion: '1.30.0', namespace, values: EVERYTHING });
  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  expect(pdbs.map((o) => o.apiVersion)).toEqual(['policy/v1', 'policy/v1']);
  const refused = await dryRunCreate(pdbs, namespace);
  expect(refused).toHaveLength(2);
}, 120_000);

it('refuses to install on a Kubernetes older than the chart supports', async () => {
  await expect(helmTemplate({ release: 'drover', kubeVersion: '1.19.9', namespace: 'default', values: {} })).rejects.toThrow(/kubeVersion|incompatible/i);
}, 60_000);
