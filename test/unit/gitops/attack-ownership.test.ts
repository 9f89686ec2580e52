/**
 * Ownership spoofing: whoever may create objects in one namespace writes the
 * labels or annotations a reconciler puts on what it applies, naming another
 * team's (production's) owner. Drover believes a claim only when the owner
 * confirms it: the Kustomization's status.inventory, the Application's
 * status.resources (not an entry Argo CD would prune), the HelmRelease's
 * target namespace.
 */
import { findOwner } from '../../../src/gitops/owner/index.js';
import type { KubeObject } from '../../../src/k8s/types.js';
import { K8sDouble } from './owner/k8s-double.js';
import { application, gitRepository, helmRelease, KS_LABELS, kustomization } from './owner/fixtures.js';

function intruder(labels: Record<string, string> = {}, annotations: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'team-a', labels, annotations }, spec: { replicas: 1 } };
}

const PROD_INVENTORY = { inventory: { entries: [{ id: 'prod_web_apps_Deployment', v: 'v1' }] } };

describe('a Flux Kustomization claim', () => {
  test('is not believed when the Kustomization inventory does not list the object', async () => {
    const k8s = new K8sDouble().add({ ...kustomization({ targetNamespace: 'prod' }), status: PROD_INVENTORY }, gitRepository());
    expect(await findOwner(k8s, intruder(KS_LABELS))).toBeUndefined();
  });

  test('is believed when the inventory lists the object (core group and cluster scope spelled as Flux does)', async () => {
    const k8s = new K8sDouble().add({ ...kustomization(), status: PROD_INVENTORY }, gitRepository());
    const prod = { ...intruder(KS_LABELS), metadata: { ...intruder(KS_LABELS).metadata, namespace: 'prod' } };
    expect(await findOwner(k8s, prod)).toMatchObject({ tool: 'flux', name: 'apps' });
    const svc: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'prod', labels: KS_LABELS } };
    const withSvc = new K8sDouble().add({ ...kustomization(), status: { inventory: { entries: [{ id: 'prod_web__Service', v: 'v1' }] } } }, gitRepository());
    expect(await findOwner(withSvc, svc)).toMatchObject({ name: 'apps' });
  });

  test('without an inventory, an object outside spec.targetNamespace is not believed', async () => {
    const k8s = new K8sDouble().add(kustomization({ targetNamespace: 'prod' }), gitRepository());
    expect(await findOwner(k8s, intruder(KS_LABELS))).toBeUndefined();
  });

  test('an inventory that is not a list of ids (hostile status) confirms nothing', async () => {
    for (const inventory of [{ entries: 'team-a_web_apps_Deployment' }, { entries: [{ id: 42 }, null, 'x'] }, { entries: [{ id: 'team-a_web_apps_deployment' }] }]) {
      const k8s = new K8sDouble().add({ ...kustomization(), status: { inventory } }, gitRepository());
      expect(await findOwner(k8s, intruder(KS_LABELS))).toBeUndefined();
    }
  });

  test('a HelmRelease claim through a Kustomization that does not list the HelmRelease is not believed to be from git', async () => {
    const hrLabels = { 'helm.toolkit.fluxcd.io/name': 'web', 'helm.toolkit.fluxcd.io/namespace': 'prod' };
    const hr = { ...helmRelease({ targetNamespace: 'prod' }), metadata: { ...helmRelease().metadata, namespace: 'prod' } };
    const k8s = new K8sDouble().add(hr, { ...kustomization(), status: PROD_INVENTORY }, gitRepository());
    // The intruder's object in team-a names prod's HelmRelease: helm-controller puts what it renders in the target namespace.
    expect(await findOwner(k8s, intruder(hrLabels))).toBeUndefined();
    // The real one in prod is owned, but the Kustomization's inventory does not list the HelmRelease: no repository to propose to.
    const real = { ...intruder(hrLabels), metadata: { ...intruder(hrLabels).metadata, namespace: 'prod' } };
    const owner = await findOwner(k8s, real);
    expect(owner).toMatchObject({ kind: 'HelmRelease', name: 'web' });
    expect(owner?.proposeBlocked).toBeDefined();
    expect(owner?.repoUrl).toBe('');
  });
});

describe('an Argo CD claim', () => {
  const prodApp = (status: Record<string, unknown>) => application({}, status, { name: 'prod' });
  const tracking = { 'argocd.argoproj.io/tracking-id': 'prod:apps/Deployment:team-a/web' };

  test('a tracking-id naming production is not believed when the Application does not list the object', async () => {
    const k8s = new K8sDouble().add(prodApp({ resources: [{ group: 'apps', kind: 'Deployment', namespace: 'prod', name: 'web' }] }));
    expect(await findOwner(k8s, intruder({}, tracking))).toBeUndefined();
    expect(await findOwner(new K8sDouble().add(prodApp({})), intruder({}, tracking))).toBeUndefined();
  });

  test('an entry Argo CD would prune (the object is not in git) confirms nothing', async () => {
    const listed = { resources: [{ group: 'apps', kind: 'Deployment', namespace: 'team-a', name: 'web', requiresPruning: true }] };
    expect(await findOwner(new K8sDouble().add(prodApp(listed)), intruder({}, tracking))).toBeUndefined();
    expect(await findOwner(new K8sDouble().add(prodApp(listed)), intruder({ 'app.kubernetes.io/instance': 'prod' }))).toBeUndefined();
  });

  test('a tracking-id the Application lists is believed', async () => {
    const listed = { resources: [{ group: 'apps', kind: 'Deployment', namespace: 'team-a', name: 'web', status: 'Synced' }] };
    expect(await findOwner(new K8sDouble().add(prodApp(listed)), intruder({}, tracking))).toMatchObject({ tool: 'argocd', name: 'prod' });
  });
});

describe('an Application outside Argo CD namespaces', () => {
  test('one made by the intruder in its own namespace (never processed by Argo CD) confirms nothing', async () => {
    // The intruder's Application points at production's repository and path, its destination their own namespace.
    const own = application({ destination: { server: 'https://kubernetes.default.svc', namespace: 'team-a' } }, {}, { name: 'evil', namespace: 'team-a' });
    const tracked = intruder({}, { 'argocd.argoproj.io/tracking-id': 'team-a_evil:apps/Deployment:team-a/web' });
    expect(await findOwner(new K8sDouble().add(own), tracked)).toBeUndefined();
    // Once Argo CD (allowed to manage team-a's Applications) lists what it applied, the claim holds.
    const processed = { ...own, status: { resources: [{ group: 'apps', kind: 'Deployment', namespace: 'team-a', name: 'web' }] } };
    expect(await findOwner(new K8sDouble().add(processed), tracked)).toMatchObject({ namespace: 'team-a', name: 'evil' });
  });
});
