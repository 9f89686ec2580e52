/**
 * Knowing what git owns, against the real API server with the Flux and
 * Argo CD CRDs installed: owners found from the labels and annotations the
 * reconcilers write, reconciler status written through the status
 * subresource and read back, and suspensions that really change the
 * objects (and, in a dry run, change nothing).
 */
import { CustomObjectsApi, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { findOwner, listSuspensions, readReconcilerStatus, resumeOwner, suspendOwner } from '../../../src/gitops/owner/index.js';
import type { GitOpsOwner } from '../../../src/gitops/types.js';
import { createK8sOps } from '../../../src/k8s/ops.js';
import type { K8sOps, KubeObject } from '../../../src/k8s/types.js';
import { TOKENS } from '../cluster.js';
import { freshNamespace, useRealKube } from '../support.js';
import { installGitOpsCrds } from './crds.js';

const kube = useRealKube({ controllerManager: false });
const ops = (dryRun = false): K8sOps => createK8sOps({ cluster: 'real', kubeConfig: kube().kubeConfig(), dryRun });
const SHA = '5eed0000000000000000000000000000000005ee';
const UNTIL = new Date(Date.now() + 30 * 60_000);

let ns: string;
let objects: KubernetesObjectApi;

beforeAll(async () => {
  await installGitOpsCrds(kube().kubeConfig());
  // Idempotent: a second install (another suite on the same server) finds them there.
  await installGitOpsCrds(kube().kubeConfig());
  objects = KubernetesObjectApi.makeApiClient(kube().kubeConfig());
}, 60_000);

beforeEach(async () => {
  ns = await freshNamespace(kube(), 'gitops');
});

async function create(object: KubeObject): Promise<KubeObject> {
  const body = { ...object, metadata: { namespace: ns, ...object.metadata } };
  return (await objects.create(body as KubernetesObject)) as unknown as KubeObject;
}

async function read(apiVersion: string, kind: string, name: string): Promise<KubeObject> {
  return (await objects.read({ apiVersion, kind, metadata: { name, namespace: ns } })) as unknown as KubeObject;
}

/** Writes status as the controller does: through the /status subresource (a plain write would drop it). */
async function writeStatus(group: string, version: string, plural: string, name: string, status: Record<string, unknown>): Promise<void> {
  const api = kube().kubeConfig().makeApiClient(CustomObjectsApi);
  const current = (await api.getNamespacedCustomObject({ group, version, namespace: ns, plural, name })) as KubeObject;
  const generation = current.metadata.generation;
  await api.replaceNamespacedCustomObjectStatus({ group, version, namespace: ns, plural, name, body: { ...current, status: { observedGeneration: generation, ...status } } });
}

function deployment(name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name, ...labels }, annotations },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'registry.example/web:1' }] } },
    },
  };
}

function kustomization(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name },
    spec: { interval: '10m', path: './apps/web', prune: true, sourceRef: { kind: 'GitRepository', name: 'fleet' }, ...spec },
  };
}

const gitRepository: KubeObject = {
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'GitRepository',
  metadata: { name: 'fleet' },
  spec: { interval: '1m', url: 'https://flux-bot:ghp_NOTREAL0123@github.com/acme/fleet', ref: { branch: 'main' } },
};

function application(name: string, syncPolicy: Record<string, unknown> = { automated: { prune: true, selfHeal: true } }): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name },
    spec: {
      project: 'default',
      source: { repoURL: 'https://github.com/acme/fleet.git', targetRevision: 'main', path: 'apps/web' },
      // The objects' namespace: before Argo CD lists them in its status, only objects in its destination are believed.
      destination: { server: 'https://kubernetes.default.svc', namespace: ns },
      syncPolicy,
    },
  };
}

async function ownerOf(name: string): Promise<GitOpsOwner | undefined> {
  return findOwner(ops(), await read('apps/v1', 'Deployment', name), { argocdNamespaces: [ns] });
}

async function mustOwn(name: string): Promise<GitOpsOwner> {
  const owner = await ownerOf(name);
  if (!owner) throw new Error(`no owner found for ${name}`);
  return owner;
}

describe('findOwner', () => {
  test('Deployment applied by a Flux Kustomization from a GitRepository', async () => {
    await create(gitRepository);
    await create(kustomization('apps'));
    await create(deployment('web', { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': ns }));
    const owner = await mustOwn('web');
    expect(owner).toMatchObject({
      tool: 'flux',
      kind: 'Kustomization',
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      namespace: ns,
      name: 'apps',
      repoUrl: 'https://github.com/acme/fleet',
      branch: 'main',
      path: 'apps/web',
      source: { type: 'manifests' },
      revertsWithinMs: 600_000,
      suspended: false,
    });
    expect(owner.text).toBe(`managed by Flux Kustomization ${ns}/apps from git repo https://github.com/acme/fleet path apps/web (branch main); a direct change is reverted within 10m`);
    expect(JSON.stringify(owner)).not.toMatch(/NOTREAL|flux-bot/);
  }, 30_000);

  test('Deployment rendered by a Flux HelmRelease that a Kustomization applies', async () => {
    await create(gitRepository);
    await create(kustomization('apps', { path: './apps/' }));
    await create({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'web', labels: { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': ns } },
      spec: { interval: '5m', chart: { spec: { chart: 'web', sourceRef: { kind: 'HelmRepository', name: 'charts' } } }, values: { replicaCount: 2 }, driftDetection: { mode: 'enabled' } },
    });
    await create(deployment('web', { 'helm.toolkit.fluxcd.io/name': 'web', 'helm.toolkit.fluxcd.io/namespace': ns }));
    const owner = await mustOwn('web');
    expect(owner).toMatchObject({
      tool: 'flux',
      kind: 'HelmRelease',
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      name: 'web',
      repoUrl: 'https://github.com/acme/fleet',
      path: 'apps',
      source: { type: 'helm-release', release: { namespace: ns, name: 'web' } },
      revertsWithinMs: 300_000,
    });
    expect(owner.text).toContain(`applied by Flux Kustomization ${ns}/apps`);
  }, 30_000);

  test('Argo CD: by tracking-id, and by instance label only when the Application lists the object', async () => {
    await create(application('web'));
    await create(deployment('tracked', {}, { 'argocd.argoproj.io/tracking-id': `web:apps/Deployment:${ns}/tracked` }));
    await create(deployment('copied', {}, { 'argocd.argoproj.io/tracking-id': `web:apps/Deployment:${ns}/tracked` }));
    await create(deployment('labelled', { 'app.kubernetes.io/instance': 'web' }));
    await create(deployment('unlisted', { 'app.kubernetes.io/instance': 'web' }));
    await writeStatus('argoproj.io', 'v1alpha1', 'applications', 'web', {
      resources: [
        { group: 'apps', version: 'v1', kind: 'Deployment', namespace: ns, name: 'labelled', status: 'Synced' },
        { group: 'apps', version: 'v1', kind: 'Deployment', namespace: ns, name: 'tracked', status: 'Synced' },
      ],
    });
    // A pod carrying the instance label a Helm chart copied onto it, and one made by a ReplicaSet.
    await create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'labelled-pod', labels: { 'app.kubernetes.io/instance': 'web' } }, spec: { containers: [{ name: 'a', image: 'x' }] } });
    await create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'rs-pod',
        annotations: { 'argocd.argoproj.io/tracking-id': `web:/Pod:${ns}/rs-pod` },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: '00000000-0000-0000-0000-000000000001', controller: true }],
      },
      spec: { containers: [{ name: 'a', image: 'x' }] },
    });

    const tracked = await mustOwn('tracked');
    expect(tracked).toMatchObject({ tool: 'argocd', kind: 'Application', apiVersion: 'argoproj.io/v1alpha1', namespace: ns, name: 'web', branch: 'main', revertsWithinMs: 5000, suspended: false });
    expect(tracked.text).toContain('(auto-sync with self-heal)');
    expect(await mustOwn('labelled')).toMatchObject({ tool: 'argocd', name: 'web' });
    expect(await ownerOf('copied')).toBeUndefined();
    expect(await ownerOf('unlisted')).toBeUndefined();
    for (const pod of ['labelled-pod', 'rs-pod']) {
      expect(await findOwner(ops(), await read('v1', 'Pod', pod), { argocdNamespaces: [ns] })).toBeUndefined();
    }
    // Without the Application's namespace among Argo CD's, the tracking id leads nowhere.
    expect(await findOwner(ops(), await read('apps/v1', 'Deployment', 'tracked'))).toBeUndefined();
  }, 30_000);

  test('an unlabelled Deployment, and one whose Kustomization does not exist: undefined', async () => {
    await create(deployment('plain'));
    await create(deployment('orphan', { 'kustomize.toolkit.fluxcd.io/name': 'gone', 'kustomize.toolkit.fluxcd.io/namespace': ns }));
    expect(await ownerOf('plain')).toBeUndefined();
    expect(await ownerOf('orphan')).toBeUndefined();
  }, 30_000);

  test('a user who may not read the Kustomization gets k8s_forbidden, not "unmanaged"', async () => {
    await create(gitRepository);
    await create(kustomization('apps'));
    const web = await create(deployment('web', { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': ns }));
    const bot = createK8sOps({ cluster: 'real', kubeConfig: kube().kubeConfig(TOKENS.bot), dryRun: false });
    await expect(findOwner(bot, web)).rejects.toMatchObject({ code: 'k8s_forbidden' });
  }, 30_000);
});

describe('readReconcilerStatus', () => {
  test('Flux: the revision applied and Ready for the current generation, from the status subresource', async () => {
    await create(gitRepository);
    await create(kustomization('apps'));
    await create(deployment('web', { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': ns }));
    const owner = await mustOwn('web');
    expect(await readReconcilerStatus(ops(), owner)).toMatchObject({ ready: false });
    await writeStatus('kustomize.toolkit.fluxcd.io', 'v1', 'kustomizations', 'apps', {
      lastAppliedRevision: `main@sha1:${SHA}`,
      conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: `Applied revision: main@sha1:${SHA}`, lastTransitionTime: new Date().toISOString() }],
    });
    expect(await readReconcilerStatus(ops(), owner)).toEqual({ revision: SHA, ready: true });
    // A spec change (the suspension) bumps the generation: not ready until the controller observes it.
    await suspendOwner(ops(), owner, { runId: 'run-status', until: UNTIL });
    expect(await readReconcilerStatus(ops(), owner)).toMatchObject({ revision: SHA, ready: false, message: expect.stringContaining('generation') as unknown });
  }, 30_000);

  test('Argo CD: Synced and Healthy with the operation succeeded; a running operation is not ready', async () => {
    await create(application('web'));
    await create(deployment('web', {}, { 'argocd.argoproj.io/tracking-id': `web:apps/Deployment:${ns}/web` }));
    const owner = await mustOwn('web');
    await writeStatus('argoproj.io', 'v1alpha1', 'applications', 'web', {
      sync: { status: 'Synced', revision: SHA },
      health: { status: 'Healthy' },
      operationState: { phase: 'Succeeded', message: 'successfully synced (all tasks run)' },
    });
    expect(await readReconcilerStatus(ops(), owner)).toEqual({ revision: SHA, ready: true });
    await writeStatus('argoproj.io', 'v1alpha1', 'applications', 'web', {
      sync: { status: 'Synced', revision: SHA },
      health: { status: 'Progressing' },
      operationState: { phase: 'Running', message: 'waiting for healthy state of apps/Deployment/web' },
    });
    expect(await readReconcilerStatus(ops(), owner)).toEqual({ revision: SHA, ready: false, message: 'waiting for healthy state of apps/Deployment/web' });
  }, 30_000);
});

describe('suspend and resume', () => {
  async function fluxOwner(spec: Record<string, unknown> = {}): Promise<GitOpsOwner> {
    await create(gitRepository);
    await create(kustomization('apps', spec));
    await create(deployment('web', { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': ns }));
    return mustOwn('web');
  }

  async function argoOwner(syncPolicy?: Record<string, unknown>): Promise<GitOpsOwner> {
    await create(application('web', syncPolicy));
    await create(deployment('web', {}, { 'argocd.argoproj.io/tracking-id': `web:apps/Deployment:${ns}/web` }));
    return mustOwn('web');
  }

  test('Flux: suspended and marked, listed, resumed by the same run only, with a reconcile requested', async () => {
    const owner = await fluxOwner();
    const { change, alreadySuspended } = await suspendOwner(ops(), owner, { runId: 'run-a', until: UNTIL });
    expect(alreadySuspended).toBe(false);
    expect(change).toMatchObject({ verb: 'patch', kind: 'Kustomization', dryRun: false });
    expect(change.diff).toContain('suspend: true');
    const suspended = await read('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', 'apps');
    expect(suspended.spec).toMatchObject({ suspend: true });
    expect(suspended.metadata.annotations).toMatchObject({ 'drover.dev/suspended-by': 'run-a', 'drover.dev/suspended-until': UNTIL.toISOString() });
    expect((await mustOwn('web')).suspended).toBe(true);
    expect((await listSuspensions(ops())).filter((s) => s.owner.namespace === ns)).toEqual([
      { owner: { tool: 'flux', kind: 'Kustomization', apiVersion: 'kustomize.toolkit.fluxcd.io/v1', namespace: ns, name: 'apps' }, runId: 'run-a', until: UNTIL.toISOString() },
    ]);

    expect(await resumeOwner(ops(), owner, { runId: 'run-b' })).toBeUndefined();
    expect((await read('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', 'apps')).spec).toMatchObject({ suspend: true });
    const resumed = await resumeOwner(ops(), owner, { runId: 'run-a' });
    expect(resumed?.diff).toContain('suspend: false');
    const after = await read('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', 'apps');
    expect(after.spec).toMatchObject({ suspend: false });
    expect(after.metadata.annotations?.['drover.dev/suspended-by']).toBeUndefined();
    expect(after.metadata.annotations?.['drover.dev/suspended-until']).toBeUndefined();
    expect(Date.parse(after.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'] ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect((await listSuspensions(ops())).filter((s) => s.owner.namespace === ns)).toEqual([]);
  }, 30_000);

  test('Flux: suspended by someone else already: nothing changes, resume leaves it suspended', async () => {
    const owner = await fluxOwner({ suspend: true });
    const before = await read('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', 'apps');
    const result = await suspendOwner(ops(), owner, { runId: 'run-a', until: UNTIL });
    expect(result.alreadySuspended).toBe(true);
    expect(await resumeOwner(ops(), owner, { runId: 'run-a' })).toBeUndefined();
    const after = await read('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', 'apps');
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.spec).toMatchObject({ suspend: true });
  }, 30_000);

  test('Flux: a change between the read and the patch is a k8s_conflict (resourceVersion pinned)', async () => {
    const owner = await fluxOwner();
    const real = ops();
    const racing: Pick<K8sOps, 'get' | 'patch'> = {
      get: async (...args: Parameters<K8sOps['get']>) => {
        const object = await real.get(...args);
        await real.patch(args[0], args[1], args[2], { metadata: { labels: { touched: 'yes' } } }, args[3]);
        return object;
      },
      patch: (...args: Parameters<K8sOps['patch']>) => real.patch(...args),
    } as Pick<K8sOps, 'get' | 'patch'>;
    await expect(suspendOwner(racing, owner, { runId: 'run-a', until: UNTIL })).rejects.toMatchObject({ code: 'k8s_conflict' });
    expect((await read('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', 'apps')).spec).not.toMatchObject({ suspend: true });
  }, 30_000);

  test('Argo CD: automated sync stored and removed, then restored exactly with a refresh requested', async () => {
    const owner = await argoOwner({ automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] });
    const { alreadySuspended } = await suspendOwner(ops(), owner, { runId: 'run-a', until: UNTIL });
    expect(alreadySuspended).toBe(false);
    const suspended = await read('argoproj.io/v1alpha1', 'Application', 'web');
    expect((suspended.spec as { syncPolicy: Record<string, unknown> }).syncPolicy).toEqual({ syncOptions: ['CreateNamespace=true'] });
    expect(JSON.parse(suspended.metadata.annotations?.['drover.dev/suspended-automated'] ?? '')).toEqual({ prune: true, selfHeal: true });
    expect(await mustOwn('web')).toMatchObject({ suspended: true });
    expect((await listSuspensions(ops())).filter((s) => s.owner.namespace === ns).map((s) => [s.owner.kind, s.runId])).toEqual([['Application', 'run-a']]);

    expect(await resumeOwner(ops(), owner, { runId: 'run-other' })).toBeUndefined();
    await resumeOwner(ops(), owner, { runId: 'run-a' });
    const resumed = await read('argoproj.io/v1alpha1', 'Application', 'web');
    expect((resumed.spec as { syncPolicy: Record<string, unknown> }).syncPolicy).toEqual({ automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] });
    expect(resumed.metadata.annotations).toEqual({ 'argocd.argoproj.io/refresh': 'normal' });
    expect(await mustOwn('web')).toMatchObject({ suspended: false, revertsWithinMs: 5000 });
  }, 30_000);

  test('Argo CD: auto-sync already off is left alone', async () => {
    const owner = await argoOwner({});
    const before = await read('argoproj.io/v1alpha1', 'Application', 'web');
    expect((await suspendOwner(ops(), owner, { runId: 'run-a', until: UNTIL })).alreadySuspended).toBe(true);
    expect(await resumeOwner(ops(), owner, { runId: 'run-a' })).toBeUndefined();
    expect((await read('argoproj.io/v1alpha1', 'Application', 'web')).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  }, 30_000);

  test('dry run: the plan shows the change, nothing changes (Flux and Argo CD, suspend and resume)', async () => {
    const flux = await fluxOwner();
    await create(application('web'));
    const argo: GitOpsOwner = { ...flux, tool: 'argocd', kind: 'Application', apiVersion: 'argoproj.io/v1alpha1', name: 'web' };
    for (const [owner, apiVersion, kind, name] of [[flux, 'kustomize.toolkit.fluxcd.io/v1', 'Kustomization', 'apps'], [argo, 'argoproj.io/v1alpha1', 'Application', 'web']] as const) {
      const before = await read(apiVersion, kind, name);
      const { change } = await suspendOwner(ops(true), owner, { runId: 'run-dry', until: UNTIL });
      expect(change.dryRun).toBe(true);
      expect(change.diff).toContain('drover.dev/suspended-by');
      expect((await read(apiVersion, kind, name)).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    }
    // Resume in a dry run of a real suspension: planned, not done.
    await suspendOwner(ops(), flux, { runId: 'run-real', until: UNTIL });
    const suspended = await read('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', 'apps');
    const planned = await resumeOwner(ops(true), flux, { runId: 'run-real' });
    expect(planned).toMatchObject({ dryRun: true });
    expect(planned?.diff).toContain('suspend: false');
    expect((await read('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', 'apps')).metadata.resourceVersion).toBe(suspended.metadata.resourceVersion);
  }, 30_000);
});
