/**
 * Ownership spoofing on the real API server: a Deployment in another
 * namespace copies the labels kustomize-controller wrote on production's
 * Deployment (or an Argo CD tracking-id naming production's Application).
 * The owners' status, written through the status subresource as the
 * controllers do, lists only production's object, so the copy is unmanaged.
 */
import { CustomObjectsApi, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { findOwner } from '../../../src/gitops/owner/index.js';
import { createK8sOps } from '../../../src/k8s/ops.js';
import type { KubeObject } from '../../../src/k8s/types.js';
import { freshNamespace, useRealKube } from '../support.js';
import { installGitOpsCrds } from './crds.js';

const kube = useRealKube({ controllerManager: false });
const ops = () => createK8sOps({ cluster: 'real', kubeConfig: kube().kubeConfig(), dryRun: false });
let objects: KubernetesObjectApi;

beforeAll(async () => {
  await installGitOpsCrds(kube().kubeConfig());
  objects = KubernetesObjectApi.makeApiClient(kube().kubeConfig());
}, 60_000);

async function create(object: KubeObject): Promise<KubeObject> {
  return (await objects.create(object as KubernetesObject)) as unknown as KubeObject;
}

async function writeStatus(namespace: string, group: string, plural: string, name: string, status: Record<string, unknown>): Promise<void> {
  const api = kube().kubeConfig().makeApiClient(CustomObjectsApi);
  const current = (await api.getNamespacedCustomObject({ group, version: group === 'argoproj.io' ? 'v1alpha1' : 'v1', namespace, plural, name })) as KubeObject;
  await api.replaceNamespacedCustomObjectStatus({ group, version: group === 'argoproj.io' ? 'v1alpha1' : 'v1', namespace, plural, name, body: { ...current, status } });
}

function deployment(namespace: string, labels: Record<string, string>, annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace, labels: { app: 'web', ...labels }, annotations },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'registry.example/web:1' }] } } },
  };
}

test('a copy of production labels in another namespace is not owned by production Kustomization', async () => {
  const prod = await freshNamespace(kube(), 'prod');
  const teamA = await freshNamespace(kube(), 'team-a');
  await create({ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'fleet', namespace: prod }, spec: { interval: '1m', url: 'https://github.com/acme/fleet', ref: { branch: 'main' } } });
  await create({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'apps', namespace: prod }, spec: { interval: '10m', path: './prod', prune: true, targetNamespace: prod, sourceRef: { kind: 'GitRepository', name: 'fleet' } } });
  await writeStatus(prod, 'kustomize.toolkit.fluxcd.io', 'kustomizations', 'apps', { inventory: { entries: [{ id: `${prod}_web_apps_Deployment`, v: 'v1' }] } });
  const labels = { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': prod };
  const real = await create(deployment(prod, labels));
  const copy = await create(deployment(teamA, labels));
  expect(await findOwner(ops(), real)).toMatchObject({ tool: 'flux', namespace: prod, name: 'apps', path: 'prod' });
  expect(await findOwner(ops(), copy)).toBeUndefined();
}, 60_000);

test("a tracking-id naming production's Application from another namespace is not believed", async () => {
  const argo = await freshNamespace(kube(), 'argocd');
  const teamA = await freshNamespace(kube(), 'team-a');
  await create({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'prod', namespace: argo },
    spec: { project: 'default', source: { repoURL: 'https://github.com/acme/fleet.git', targetRevision: 'main', path: 'prod' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'prod' }, syncPolicy: { automated: { selfHeal: true } } },
  });
  await writeStatus(argo, 'argoproj.io', 'applications', 'prod', { resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'web', status: 'Synced' }] });
  const copy = await create(deployment(teamA, {}, { 'argocd.argoproj.io/tracking-id': `prod:apps/Deployment:${teamA}/web` }));
  expect(await findOwner(ops(), copy, { argocdNamespaces: [argo] })).toBeUndefined();
}, 60_000);
