/**
 * The chart on the oldest Kubernetes Drover supports: the real Helm renders
 * it for 1.20 with every feature on (test/fixtures/chart/maximal-values.yaml),
 * and the real 1.20 API server accepts every object (created with dryRun=All,
 * so the server validates each one against its own schema and stores
 * nothing), CRD kinds aside. The same chart rendered for a newer cluster uses
 * policy/v1 and autoscaling/v2, which 1.20 does not serve.
 */
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { freshNamespace, useRealKube } from '../support.js';
import { MAXIMAL_VALUES_FILE } from '../../integration/chart/values.js';
import { helmBinary, helmTemplate, type RenderedObject } from './helm.js';

const kube = useRealKube({ controllerManager: false });

/**
 * Every optional feature on, with the policy's namespaces replaced by the test's own (Roles need an existing namespace),
 * and so are the reconcilers' (rbac.gitops: the GitOps suspend patches go in Roles in the Flux and Argo CD namespaces).
 */
const everything = (namespace: string) => ({
  valuesFiles: [MAXIMAL_VALUES_FILE],
  values: { rbac: { namespaces: [namespace] }, gitops: { fluxNamespaces: [namespace] }, config: { gitops: { argocdNamespaces: [namespace] } } },
});

/** Prometheus Operator and KEDA CRDs: a bare API server does not serve them (the integration tests validate them against their schemas). */
const NEEDS_CRD = new Set(['monitoring.coreos.com/v1', 'keda.sh/v1alpha1']);

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
  const objects = await helmTemplate({ release: 'drover', kubeVersion: '1.20.2', namespace, ...everything(namespace) });
  const kinds = new Set(objects.map((o) => o.kind));
  for (const kind of [
    'Deployment',
    'StatefulSet',
    'Service',
    'ServiceAccount',
    'ClusterRole',
    'ClusterRoleBinding',
    'Role',
    'RoleBinding',
    'PodDisruptionBudget',
    'HorizontalPodAutoscaler',
    'NetworkPolicy',
    'Ingress',
    'Secret',
    'ConfigMap',
    'Pod',
  ]) {
    expect(kinds).toContain(kind);
  }
  expect(objects.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.apiVersion)).toEqual(['policy/v1beta1', 'policy/v1beta1']);
  expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((o) => o.apiVersion)).toEqual(['autoscaling/v2beta2']);
  expect(await dryRunCreate(objects, namespace)).toEqual([]);
  // The dry run stored nothing.
  const client = KubernetesObjectApi.makeApiClient(kube().kubeConfig());
  const listed = await client.list('apps/v1', 'Deployment', namespace);
  expect(listed.items).toEqual([]);
}, 120_000);

it('renders policy/v1 and autoscaling/v2 for newer clusters, which a 1.20 server does not serve', async () => {
  const namespace = await freshNamespace(kube(), 'chart');
  const objects = await helmTemplate({ release: 'drover', kubeVersion: '1.30.0', namespace, ...everything(namespace) });
  const newer = objects.filter((o) => o.kind === 'PodDisruptionBudget' || o.kind === 'HorizontalPodAutoscaler');
  expect(newer.map((o) => o.apiVersion)).toEqual(['policy/v1', 'policy/v1', 'autoscaling/v2']);
  const refused = await dryRunCreate(newer, namespace);
  expect(refused).toHaveLength(3);
}, 120_000);

it('refuses to install on a Kubernetes older than the chart supports', async () => {
  await expect(helmTemplate({ release: 'drover', kubeVersion: '1.19.9', namespace: 'default', values: {} })).rejects.toThrow(/kubeVersion|incompatible/i);
}, 60_000);
