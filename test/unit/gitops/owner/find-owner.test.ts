import { findOwner } from '../../../../src/gitops/owner/index.js';
import type { KubeObject } from '../../../../src/k8s/types.js';
import { K8sDouble } from './k8s-double.js';
import { application, deployment, gitRepository, helmRelease, HR_LABELS, KS_LABELS, kustomization } from './fixtures.js';

const TRACKING = { 'argocd.argoproj.io/tracking-id': 'web:apps/Deployment:shop/web' };

describe('Flux Kustomization', () => {
  test('labels → Kustomization → GitRepository: repo, branch, normalised path, interval, the plan line', async () => {
    const k8s = new K8sDouble().add(kustomization(), gitRepository());
    const owner = await findOwner(k8s, deployment(KS_LABELS));
    expect(owner).toEqual({
      tool: 'flux',
      kind: 'Kustomization',
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      namespace: 'flux-system',
      name: 'apps',
      repoUrl: 'https://github.com/acme/fleet',
      branch: 'main',
      path: 'apps/web',
      source: { type: 'manifests' },
      revertsWithinMs: 600_000,
      suspended: false,
      text: 'managed by Flux Kustomization flux-system/apps from git repo https://github.com/acme/fleet path apps/web (branch main); a direct change is reverted within 10m',
    });
  });

  test('falls back to v1beta2 when v1 is not served (older Flux)', async () => {
    const k8s = new K8sDouble(new Set(['kustomize.toolkit.fluxcd.io/v1beta2', 'source.toolkit.fluxcd.io/v1beta2']));
    k8s.add(kustomization({ interval: '1m30s' }, 'kustomize.toolkit.fluxcd.io/v1beta2'), gitRepository({}, 'source.toolkit.fluxcd.io/v1beta2'));
    const owner = await findOwner(k8s, deployment(KS_LABELS));
    expect(owner).toMatchObject({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1beta2', revertsWithinMs: 90_000, repoUrl: 'https://github.com/acme/fleet' });
    expect(owner?.text).toContain('reverted within 1m30s');
  });

  test('suspended, sourceRef in another namespace, root path, no ref (Flux defaults to master), credentials stripped', async () => {
    const k8s = new K8sDouble().add(
      kustomization({ suspend: true, interval: '1h0m0s', path: './', sourceRef: { kind: 'GitRepository', name: 'fleet', namespace: 'sources' } }),
      { ...gitRepository({ url: 'https://bot:ghp_SECRET123@github.com/acme/fleet?private_token=abc', ref: undefined }), metadata: { name: 'fleet', namespace: 'sources' } },
    );
    const owner = await findOwner(k8s, deployment(KS_LABELS));
    expect(owner).toMatchObject({ suspended: true, revertsWithinMs: 3_600_000, path: '', branch: 'master', repoUrl: 'https://github.com/acme/fleet' });
    expect(owner?.text).toContain('at the repository root');
    expect(owner?.text).toContain('suspended');
    expect(JSON.stringify(owner)).not.toMatch(/SECRET|bot:|private_token|abc/);
  });

  test('a GitRepository pinned to a tag or commit: the text says propose cannot move it', async () => {
    for (const ref of [{ tag: 'v1.2.0' }, { commit: 'a'.repeat(40), branch: 'main' }, { semver: '>=1.0.0' }, { name: 'refs/tags/v2' }]) {
      const k8s = new K8sDouble().add(kustomization(), gitRepository({ ref }));
      const owner = await findOwner(k8s, deployment(KS_LABELS));
      expect(owner?.branch).toBeUndefined();
      expect(owner?.proposeBlocked).toMatch(/pinned/);
      expect(owner?.text).toMatch(/propose cannot work: .*pinned/);
    }
    const named = await findOwner(new K8sDouble().add(kustomization(), gitRepository({ ref: { name: 'refs/heads/release' } })), deployment(KS_LABELS));
    expect(named).toMatchObject({ branch: 'release' });
    expect(named?.proposeBlocked).toBeUndefined();
  });

  test('an OCIRepository source: repoUrl names it, propose cannot work', async () => {
    const k8s = new K8sDouble().add(
      kustomization({ sourceRef: { kind: 'OCIRepository', name: 'manifests' } }),
      { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'OCIRepository', metadata: { name: 'manifests', namespace: 'flux-system' }, spec: { url: 'oci://ghcr.io/acme/manifests', ref: { tag: 'latest' } } },
    );
    const owner = await findOwner(k8s, deployment(KS_LABELS));
    expect(owner?.repoUrl).toBe('oci://ghcr.io/acme/manifests');
    expect(owner?.text).toMatch(/OCI artifact oci:\/\/ghcr.io\/acme\/manifests.*propose cannot work/);
  });

  test('a Bucket source, and one whose object is gone, still answer', async () => {
    const bucket = await findOwner(new K8sDouble().add(kustomization({ sourceRef: { kind: 'Bucket', name: 'b' } })), deployment(KS_LABELS));
    expect(bucket?.repoUrl).toBe('bucket://flux-system/b');
    expect(bucket?.proposeBlocked).toMatch(/bucket/);
    const gone = await findOwner(new K8sDouble().add(kustomization()), deployment(KS_LABELS));
    expect(gone).toMatchObject({ repoUrl: '', proposeBlocked: expect.stringMatching(/not found/) as unknown });
  });

  test('the Kustomization absent, or Flux not installed: undefined', async () => {
    expect(await findOwner(new K8sDouble(), deployment(KS_LABELS))).toBeUndefined();
    expect(await findOwner(new K8sDouble(new Set()), deployment(KS_LABELS))).toBeUndefined();
  });

  test('a 403 reading the Kustomization is thrown, not taken for "unmanaged"', async () => {
    const k8s = new K8sDouble().add(kustomization(), gitRepository());
    k8s.forbidden.add('Kustomization');
    await expect(findOwner(k8s, deployment(KS_LABELS))).rejects.toMatchObject({ code: 'k8s_forbidden' });
    const k8s2 = new K8sDouble().add(kustomization(), gitRepository());
    k8s2.forbidden.add('GitRepository');
    await expect(findOwner(k8s2, deployment(KS_LABELS))).rejects.toMatchObject({ code: 'k8s_forbidden' });
  });

  test('hostile Kustomizations: wrong types, huge strings, path escaping the repository — no crash, nothing leaks', async () => {
    const hostile: Array<Record<string, unknown>> = [
      { interval: 42, path: ['x'], suspend: 'yes', sourceRef: 'GitRepository/fleet' },
      { interval: '10 minutes', path: 'x'.repeat(100_000), sourceRef: { kind: 7, name: null } },
      { interval: '9'.repeat(400) + 'h', path: '../../etc', sourceRef: { kind: 'GitRepository', name: '../../evil' } },
    ];
    const nullSpec = { ...kustomization(), spec: null };
    for (const ks of [...hostile.map((spec) => kustomization(spec)), nullSpec]) {
      const k8s = new K8sDouble().add(ks, gitRepository({ url: { toString: 'x' }, ref: 'main' }));
      const owner = await findOwner(k8s, deployment(KS_LABELS));
      expect(owner?.tool).toBe('flux');
      expect(owner?.suspended).toBe(false);
      expect(typeof owner?.text).toBe('string');
      expect(owner!.text.length).toBeLessThan(2000);
      expect(owner?.proposeBlocked).toBeDefined();
    }
    const escaped = await findOwner(new K8sDouble().add(kustomization({ path: './../../etc' }), gitRepository()), deployment(KS_LABELS));
    expect(escaped?.proposeBlocked).toMatch(/leaves the repository/);
  });

  test('an object Flux is told to leave alone (reconcile: disabled, ssa: IfNotPresent/Ignore) is owned but not reverted', async () => {
    const k8s = new K8sDouble().add(kustomization(), gitRepository());
    const marks: Array<Record<string, string>> = [{ 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' }, { 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' }, { 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' }];
    for (const annotations of marks) {
      const owner = await findOwner(k8s, deployment(KS_LABELS, annotations));
      expect(owner).toMatchObject({ kind: 'Kustomization', suspended: false });
      expect(owner?.revertsWithinMs).toBeUndefined();
      expect(owner?.text).toContain('so Flux does not revert a direct change');
    }
    expect((await findOwner(k8s, deployment(KS_LABELS, { 'kustomize.toolkit.fluxcd.io/ssa': 'Override' })))?.revertsWithinMs).toBe(600_000);
  });

  test('label values that are not object names are ignored (never put into a request)', async () => {
    const k8s = new K8sDouble().add(kustomization(), gitRepository());
    const owner = await findOwner(k8s, deployment({ 'kustomize.toolkit.fluxcd.io/name': '../apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' }));
    expect(owner).toBeUndefined();
    expect(k8s.reads).toEqual([]);
  });
});

describe('Flux HelmRelease', () => {
  test('labels → HelmRelease → its own Kustomization labels → repo/path; drift detection enabled reverts within the interval', async () => {
    const k8s = new K8sDouble().add(helmRelease({ driftDetection: { mode: 'enabled' } }), kustomization(), gitRepository());
    const owner = await findOwner(k8s, deployment(HR_LABELS));
    expect(owner).toMatchObject({
      tool: 'flux',
      kind: 'HelmRelease',
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      namespace: 'shop',
      name: 'web',
      repoUrl: 'https://github.com/acme/fleet',
      branch: 'main',
      path: 'apps/web',
      source: { type: 'helm-release', release: { namespace: 'shop', name: 'web' } },
      revertsWithinMs: 300_000,
      suspended: false,
    });
    expect(owner?.text).toBe(
      'managed by Flux HelmRelease shop/web (its manifest applied by Flux Kustomization flux-system/apps) from git repo https://github.com/acme/fleet path apps/web (branch main); a direct change is reverted within 5m (drift detection enabled)',
    );
  });

  test('without drift detection (or warn): nothing reverts it until the next Helm upgrade', async () => {
    for (const drift of [undefined, { mode: 'warn' }, { mode: 'disabled' }]) {
      const k8s = new K8sDouble().add(helmRelease(drift ? { driftDetection: drift } : {}), kustomization(), gitRepository());
      const owner = await findOwner(k8s, deployment(HR_LABELS));
      expect(owner?.revertsWithinMs).toBeUndefined();
      expect(owner?.text).toContain('lasts until the next Helm upgrade');
    }
    const ignoring = await findOwner(
      new K8sDouble().add(helmRelease({ driftDetection: { mode: 'enabled', ignore: [{ paths: ['/spec/replicas'], target: { kind: 'Deployment' } }] } }), kustomization(), gitRepository()),
      deployment(HR_LABELS),
    );
    expect(ignoring?.text).toContain('its ignore rules may exempt some fields');
  });

  test('falls back to v2beta1; a HelmRelease applied by no Kustomization is managed but not proposable', async () => {
    const k8s = new K8sDouble(new Set(['helm.toolkit.fluxcd.io/v2beta1']));
    k8s.add({ ...helmRelease({}, {}), apiVersion: 'helm.toolkit.fluxcd.io/v2beta1' });
    const owner = await findOwner(k8s, deployment(HR_LABELS));
    expect(owner).toMatchObject({ apiVersion: 'helm.toolkit.fluxcd.io/v2beta1', repoUrl: '', path: '' });
    expect(owner?.proposeBlocked).toMatch(/not applied from git/);
  });

  test('helm labels win over copied kustomize labels; an absent HelmRelease falls through to the Kustomization', async () => {
    const both = { ...KS_LABELS, ...HR_LABELS };
    const k8s = new K8sDouble().add(helmRelease(), kustomization(), gitRepository());
    expect((await findOwner(k8s, deployment(both)))?.kind).toBe('HelmRelease');
    const noHr = new K8sDouble().add(kustomization(), gitRepository());
    expect((await findOwner(noHr, deployment(both)))?.kind).toBe('Kustomization');
  });
});

describe('Argo CD', () => {
  test('tracking-id naming this object → Application: auto-sync with self-heal reverts within seconds', async () => {
    const k8s = new K8sDouble().add(application());
    const owner = await findOwner(k8s, deployment({}, TRACKING));
    expect(owner).toEqual({
      tool: 'argocd',
      kind: 'Application',
      apiVersion: 'argoproj.io/v1alpha1',
      namespace: 'argocd',
      name: 'web',
      repoUrl: 'https://github.com/acme/fleet.git',
      path: 'apps/web',
      source: { type: 'manifests' },
      revertsWithinMs: 5000,
      suspended: false,
      text: 'managed by Argo CD Application argocd/web (auto-sync with self-heal) from git repo https://github.com/acme/fleet.git path apps/web (default branch); a direct change is reverted within seconds (self-heal, 5s by default)',
    });
  });

  test('a tracking-id copied from another object is ignored', async () => {
    const k8s = new K8sDouble().add(application());
    for (const id of ['web:apps/Deployment:shop/api', 'web:apps/StatefulSet:shop/web', 'web:/Deployment:shop/web', 'web:apps/Deployment:other/web', 'garbage']) {
      expect(await findOwner(k8s, deployment({}, { 'argocd.argoproj.io/tracking-id': id }))).toBeUndefined();
    }
  });

  test('apps in any namespace: <ns>_<app>; argocdNamespaces searched in order', async () => {
    // Argo CD has listed the object (an Application outside argocdNamespaces is believed only then).
    const k8s = new K8sDouble().add(application({}, { resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web', status: 'Synced' }] }, { namespace: 'team-a' }));
    const owner = await findOwner(k8s, deployment({}, { 'argocd.argoproj.io/tracking-id': 'team-a_web:apps/Deployment:shop/web' }));
    expect(owner).toMatchObject({ namespace: 'team-a', name: 'web' });
    expect(await findOwner(k8s, deployment({}, TRACKING))).toBeUndefined();
    expect(await findOwner(k8s, deployment({}, TRACKING), { argocdNamespaces: ['argocd', 'team-a'] })).toMatchObject({ namespace: 'team-a' });
  });

  test('the instance label counts only when the Application lists the object in status.resources', async () => {
    const listed = application({}, { resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web', status: 'Synced' }] });
    const label = { 'app.kubernetes.io/instance': 'web' };
    expect(await findOwner(new K8sDouble().add(listed), deployment(label))).toMatchObject({ tool: 'argocd', name: 'web' });
    expect(await findOwner(new K8sDouble().add(application()), deployment(label))).toBeUndefined();
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-abc', namespace: 'shop', labels: label } };
    expect(await findOwner(new K8sDouble().add(listed), pod)).toBeUndefined();
    const hostileStatus = application({}, { resources: [null, 'x', { kind: 'Deployment', name: 'web', namespace: 7 }, { kind: 'Deployment', name: 'web', namespace: 'shop', group: 'extensions' }] });
    expect(await findOwner(new K8sDouble().add(hostileStatus), deployment(label))).toBeUndefined();
  });

  test('objects with ownerReferences are never owned themselves', async () => {
    const k8s = new K8sDouble().add(application(), kustomization(), gitRepository());
    const owned = deployment({ ...KS_LABELS }, TRACKING, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'x', uid: 'u', controller: true }] });
    expect(await findOwner(k8s, owned)).toBeUndefined();
    expect(k8s.reads).toEqual([]);
  });

  test('sync policies: automated without self-heal, off, switched off with enabled: false', async () => {
    const noHeal = await findOwner(new K8sDouble().add(application({ syncPolicy: { automated: { prune: true } } })), deployment({}, TRACKING));
    expect(noHeal).toMatchObject({ suspended: false });
    expect(noHeal?.revertsWithinMs).toBeUndefined();
    expect(noHeal?.text).toContain('(auto-sync without self-heal)');
    for (const syncPolicy of [undefined, {}, { automated: null }, { automated: { enabled: false, selfHeal: true } }]) {
      const off = await findOwner(new K8sDouble().add(application({ syncPolicy })), deployment({}, TRACKING));
      expect(off).toMatchObject({ suspended: true });
      expect(off?.revertsWithinMs).toBeUndefined();
      expect(off?.text).toContain('auto-sync is off');
    }
  });

  test('targetRevision: a branch, a pinned commit or tag', async () => {
    const branch = await findOwner(new K8sDouble().add(application({ source: { repoURL: 'git@github.com:acme/fleet.git', targetRevision: 'main', path: './apps/web/' } })), deployment({}, TRACKING));
    expect(branch).toMatchObject({ branch: 'main', path: 'apps/web', repoUrl: 'git@github.com:acme/fleet.git' });
    expect(branch?.proposeBlocked).toBeUndefined();
    for (const targetRevision of ['0123456789abcdef0123456789abcdef01234567', 'v1.4.2', '2.0.0', 'refs/tags/prod']) {
      const pinned = await findOwner(new K8sDouble().add(application({ source: { repoURL: 'https://github.com/acme/fleet', targetRevision, path: 'apps/web' } })), deployment({}, TRACKING));
      expect(pinned?.branch).toBeUndefined();
      expect(pinned?.text).toMatch(/git is pinned to .*propose cannot|propose cannot work: git is pinned/);
    }
  });

  test('Helm: spec.source.helm → helm-values with its valueFiles (default values.yaml); a chart from a Helm repository is not git', async () => {
    const files = await findOwner(
      new K8sDouble().add(application({ source: { repoURL: 'https://github.com/acme/charts', path: 'charts/web', targetRevision: 'main', helm: { valueFiles: ['values-prod.yaml', 7, ''] } } })),
      deployment({}, TRACKING),
    );
    expect(files?.source).toEqual({ type: 'helm-values', valueFiles: ['values-prod.yaml'] });
    const dflt = await findOwner(new K8sDouble().add(application({ source: { repoURL: 'https://github.com/acme/charts', path: 'charts/web', helm: {} } })), deployment({}, TRACKING));
    expect(dflt?.source).toEqual({ type: 'helm-values', valueFiles: ['values.yaml'] });
    const chart = await findOwner(new K8sDouble().add(application({ source: { repoURL: 'https://charts.example.com', chart: 'web', targetRevision: '1.2.3' } })), deployment({}, TRACKING));
    expect(chart?.source).toEqual({ type: 'helm-values', valueFiles: ['values.yaml'] });
    expect(chart?.proposeBlocked).toMatch(/Helm repository/);
  });

  test('multi-source Applications use sources[0]; credentials in repoURL never show', async () => {
    const owner = await findOwner(
      new K8sDouble().add(application({ source: undefined, sources: [{ repoURL: 'https://oauth2:glpat-TOKEN@gitlab.com/acme/fleet.git', path: 'web', targetRevision: 'main' }] })),
      deployment({}, TRACKING),
    );
    expect(owner).toMatchObject({ repoUrl: 'https://gitlab.com/acme/fleet.git', path: 'web', branch: 'main' });
    expect(JSON.stringify(owner)).not.toMatch(/TOKEN|oauth2/);
  });

  test('hostile Applications: no crash, unusable fields undefined', async () => {
    for (const spec of [{ source: 'x', syncPolicy: 'auto' }, { source: { repoURL: 42, path: {}, targetRevision: [] } }, { sources: 'nope', source: undefined }, { source: { repoURL: 'https://x/' + 'a'.repeat(5000) } }]) {
      const owner = await findOwner(new K8sDouble().add(application(spec)), deployment({}, TRACKING));
      expect(owner).toMatchObject({ tool: 'argocd', repoUrl: '' });
      expect(owner?.proposeBlocked).toBeDefined();
    }
  });

  test('a 403 reading the Application is thrown', async () => {
    const k8s = new K8sDouble().add(application());
    k8s.forbidden.add('Application');
    await expect(findOwner(k8s, deployment({}, TRACKING))).rejects.toMatchObject({ code: 'k8s_forbidden' });
  });
});

test('an object nobody manages: undefined, and nothing is read', async () => {
  const k8s = new K8sDouble().add(application(), kustomization(), gitRepository());
  expect(await findOwner(k8s, deployment({ app: 'web' }))).toBeUndefined();
  expect(k8s.reads).toEqual([]);
});

test('an object without apiVersion, kind or name (a typed list item) is refused, not called unmanaged', async () => {
  const k8s = new K8sDouble();
  const { apiVersion: _a, ...noApiVersion } = deployment(KS_LABELS);
  await expect(findOwner(k8s, noApiVersion as KubeObject)).rejects.toMatchObject({ code: 'params_invalid' });
  await expect(findOwner(k8s, { ...deployment(), kind: undefined } as unknown as KubeObject)).rejects.toMatchObject({ code: 'params_invalid' });
  await expect(findOwner(k8s, { apiVersion: 'v1', kind: 'Pod' } as KubeObject)).rejects.toMatchObject({ code: 'params_invalid' });
});
