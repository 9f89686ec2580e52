/**
 * The chart's GitOps RBAC (rbac.gitops) is enough, and no more, on a real API
 * server: the real Helm renders the chart with scale-deployment allowed in one
 * namespace and a GitHub repository configured; its ServiceAccount, Roles,
 * ClusterRole and bindings are created on a real 1.20 API server with the
 * Flux and Argo CD CRDs, and that ServiceAccount's token makes the calls
 * src/gitops/owner/*.ts makes: get and list (every namespace) on the
 * reconcilers, get on a Kustomization's source, and the `suspend` merge
 * patches in the app's namespace, Flux's and Argo CD's. A forgotten rule is a
 * 403 here; the controls are refused (a patch elsewhere, a delete, Secrets).
 */
import { CoreV1Api, CustomObjectsApi, KubernetesObjectApi, type KubeConfig } from '@kubernetes/client-node';
import { installGitOpsCrds } from '../gitops/crds.js';
import { freshNamespace, useRealKube } from '../support.js';
import { helmTemplate } from './helm.js';

const kube = useRealKube();
let token = '';
const ns = { release: '', app: '', flux: '', argocd: '', other: '' };

const KS = { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', plural: 'kustomizations' };
const HR = { group: 'helm.toolkit.fluxcd.io', version: 'v2', plural: 'helmreleases' };
const APP = { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications' };
const GIT = { group: 'source.toolkit.fluxcd.io', version: 'v1', plural: 'gitrepositories' };
type Crd = typeof KS;

function custom(kc: KubeConfig): CustomObjectsApi {
  return kc.makeApiClient(CustomObjectsApi);
}

async function seed(kc: KubeConfig, crd: Crd, kind: string, namespace: string, name: string, spec: object): Promise<void> {
  await custom(kc).createNamespacedCustomObject({ ...crd, namespace, body: { apiVersion: `${crd.group}/${crd.version}`, kind, metadata: { name, namespace }, spec } });
}

/** A JSON merge patch, as Drover's suspend writes (spec.suspend and its annotations). */
function suspend(kc: KubeConfig, crd: Crd, namespace: string, name: string, spec: object) {
  const api = KubernetesObjectApi.makeApiClient(kc);
  return api.patch(
    { apiVersion: `${crd.group}/${crd.version}`, kind: crd === APP ? 'Application' : crd === HR ? 'HelmRelease' : 'Kustomization', metadata: { name, namespace, annotations: { 'drover.dev/suspended-by': 'run-1' } }, spec },
    undefined,
    undefined,
    undefined,
    undefined,
    'application/merge-patch+json',
  );
}

beforeAll(async () => {
  const admin = kube().kubeConfig();
  await installGitOpsCrds(admin);
  ns.release = await freshNamespace(kube(), 'drover');
  ns.app = await freshNamespace(kube(), 'shop');
  ns.flux = await freshNamespace(kube(), 'flux');
  ns.argocd = await freshNamespace(kube(), 'argocd');
  ns.other = await freshNamespace(kube(), 'other');
  const values = {
    policy: { groups: { sre: ['U012ABCDEF'] }, rules: [{ groups: ['sre'], runbooks: ['scale-deployment'], clusters: ['*'], namespaces: [ns.app] }] },
    gitops: { tokens: [{ name: 'fleet', secretName: 'gitops-fleet' }], fluxNamespaces: [ns.flux] },
    config: {
      gitops: {
        argocdNamespaces: [ns.argocd],
        repositories: [{ url: 'https://github.com/acme/fleet', forge: { type: 'github', project: 'acme/fleet' }, tokenFile: '/var/run/secrets/drover/gitops/fleet/token' }],
      },
    },
  };
  const objects = await helmTemplate({ release: 'drover', kubeVersion: '1.20.2', namespace: ns.release, values });
  const rbac = objects.filter((o) => ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind) || (o.kind === 'ServiceAccount' && o.metadata.name === 'drover'));
  expect(rbac.filter((o) => o.kind === 'Role').map((o) => o.metadata.namespace).sort()).toEqual([ns.app, ns.argocd, ns.flux].sort());
  const client = KubernetesObjectApi.makeApiClient(admin);
  for (const object of rbac) await client.create({ ...object, metadata: { ...object.metadata, namespace: object.metadata.namespace ?? ns.release } });
  const { status } = await admin
    .makeApiClient(CoreV1Api)
    .createNamespacedServiceAccountToken({ namespace: ns.release, name: 'drover', body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  token = status?.token ?? '';
  expect(token).not.toBe('');

  await seed(admin, GIT, 'GitRepository', ns.flux, 'fleet', { url: 'https://github.com/acme/fleet', ref: { branch: 'main' }, interval: '1m' });
  for (const where of [ns.flux, ns.app, ns.other]) {
    await seed(admin, KS, 'Kustomization', where, 'apps', { sourceRef: { kind: 'GitRepository', name: 'fleet', namespace: ns.flux }, path: './apps', interval: '5m', prune: true });
  }
  await seed(admin, HR, 'HelmRelease', ns.flux, 'web', { interval: '5m', chart: { spec: { chart: 'web', sourceRef: { kind: 'HelmRepository', name: 'charts' } } } });
  await seed(admin, APP, 'Application', ns.argocd, 'shop', { project: 'default', source: { repoURL: 'https://github.com/acme/fleet', path: 'shop' }, syncPolicy: { automated: { prune: true } } });
}, 120_000);

describe("the chart's GitOps RBAC on a real API server", () => {
  it('lets the worker read the reconcilers in every namespace and a Kustomization source', async () => {
    const sa = custom(kube().kubeConfig(token));
    for (const crd of [KS, HR, APP]) await expect(sa.listClusterCustomObject(crd)).resolves.toBeDefined();
    const list = (await sa.listClusterCustomObject(KS)) as { items: Array<{ metadata: { namespace: string } }> };
    expect(list.items.map((i) => i.metadata.namespace)).toEqual(expect.arrayContaining([ns.flux, ns.app, ns.other]));
    await expect(sa.getNamespacedCustomObject({ ...GIT, namespace: ns.flux, name: 'fleet' })).resolves.toBeDefined();
    await expect(sa.getNamespacedCustomObject({ ...KS, namespace: ns.other, name: 'apps' })).resolves.toBeDefined();
    await expect(sa.getNamespacedCustomObject({ ...APP, namespace: ns.argocd, name: 'shop' })).resolves.toBeDefined();
    // A kind not installed answers 404 (Drover reads "not served"), not 403, because get is granted.
    await expect(sa.getNamespacedCustomObject({ group: 'source.toolkit.fluxcd.io', version: 'v1', plural: 'ocirepositories', namespace: ns.flux, name: 'x' })).rejects.toMatchObject({ code: 404 });
  });

  it('lets it suspend where the runbooks act, in Flux and Argo CD namespaces, and nowhere else', async () => {
    const kc = kube().kubeConfig(token);
    await expect(suspend(kc, KS, ns.flux, 'apps', { suspend: true })).resolves.toBeDefined();
    await expect(suspend(kc, KS, ns.app, 'apps', { suspend: true })).resolves.toBeDefined();
    await expect(suspend(kc, HR, ns.flux, 'web', { suspend: true })).resolves.toBeDefined();
    await expect(suspend(kc, APP, ns.argocd, 'shop', { syncPolicy: { automated: null } })).resolves.toBeDefined();
    const admin = custom(kube().kubeConfig());
    expect(((await admin.getNamespacedCustomObject({ ...KS, namespace: ns.flux, name: 'apps' })) as { spec: { suspend?: boolean } }).spec.suspend).toBe(true);
    // Controls: a namespace nobody granted, a delete, Applications outside Argo CD's namespaces, Secrets.
    await expect(suspend(kc, KS, ns.other, 'apps', { suspend: true })).rejects.toMatchObject({ code: 403 });
    await expect(custom(kc).deleteNamespacedCustomObject({ ...KS, namespace: ns.flux, name: 'apps' })).rejects.toMatchObject({ code: 403 });
    await expect(custom(kc).createNamespacedCustomObject({ ...KS, namespace: ns.flux, body: { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'new' }, spec: {} } })).rejects.toMatchObject({
      code: 403,
    });
    await expect(custom(kc).patchNamespacedCustomObject({ ...APP, namespace: ns.flux, name: 'shop', body: {} })).rejects.toMatchObject({ code: 403 });
    await expect(kc.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: ns.flux })).rejects.toMatchObject({ code: 403 });
  });
});
