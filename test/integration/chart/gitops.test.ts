/**
 * The chart's GitOps install (config.gitops, issue #17), rendered by the real
 * Helm: each forge token a Secret mounted read-only on every pod that runs a
 * worker (and no other), a writable emptyDir laid over config.gitops.workDir,
 * the Flux and Argo CD RBAC src/gitops/owner/*.ts needs (reads everywhere,
 * suspend patches where the runbooks act, in Argo CD's and Flux's namespaces),
 * and clear refusals: a tokenFile no mount provides, credentials in a URL.
 */
import { APPLICATION, BUCKET, GIT_REPOSITORY, HELM_RELEASE, KUSTOMIZATION, OCI_REPOSITORY, SUSPENDABLE, type KindVersions } from '../../../src/gitops/owner/kinds.js';
import { helmLint } from '../../support/helm.js';
import { all, droverConfigOf, droverContainer, droverWorkloads, grants, one, render, schemaProblems, type Binding, type Role, type Workload } from './objects.js';
import { COMBINED, policyFor } from './values.js';

const TOKEN_FILE = '/var/run/secrets/drover/gitops/fleet/token';
const WORK_DIR = '/var/lib/drover/gitops';
const REPO = { url: 'https://github.com/acme/fleet', forge: { type: 'github', project: 'acme/fleet' }, tokenFile: TOKEN_FILE, baseBranch: 'main' };
const GITOPS = {
  gitops: { tokens: [{ name: 'fleet', secretName: 'gitops-fleet', key: 'token' }], workDirSizeLimit: '2Gi' },
  config: { gitops: { repositories: [REPO], argocdNamespaces: ['argocd', 'argo-apps'] } },
};
/** scale-deployment declares `gitops` (propose); restart-deployment does not. */
const POLICY = policyFor(['scale-deployment', 'restart-deployment'], ['shop']);
const AGENT = { mode: 'agent', agent: { cluster: 'store-1', redis: { existingSecret: 'drover-agent-redis' } } };

/** The resource name RBAC uses for a kind (Kustomization → kustomizations, GitRepository → gitrepositories). */
const plural = (kind: KindVersions) => kind.kind.toLowerCase().replace(/y$/, 'ie') + 's';
const call = (kind: KindVersions, verb: string) => `${kind.group}/${plural(kind)}:${verb}`;
/** What src/gitops/owner calls: get on every kind it reads (kinds.ts getServed), list and patch on the suspendable ones. */
const READS = [...[KUSTOMIZATION, HELM_RELEASE, APPLICATION, GIT_REPOSITORY, OCI_REPOSITORY, BUCKET].map((k) => call(k, 'get')), ...SUSPENDABLE.map((k) => call(k, 'list'))].sort();
const FLUX_PATCH = [call(KUSTOMIZATION, 'patch'), call(HELM_RELEASE, 'patch')].sort();
const ARGO_PATCH = [call(APPLICATION, 'patch')];
const isGitOps = (g: string) => /fluxcd\.io|argoproj\.io/.test(g);
const gitopsGrants = (roles: Role[]) => grants(roles).filter(isGitOps);

function tokenMount(w: Workload) {
  return droverContainer(w).volumeMounts?.find((m) => m.name === 'gitops-token-fleet');
}

function expectGitOpsPod(w: Workload) {
  expect(tokenMount(w)).toEqual({ name: 'gitops-token-fleet', mountPath: '/var/run/secrets/drover/gitops/fleet', readOnly: true });
  expect(droverContainer(w).volumeMounts).toContainEqual({ name: 'gitops-work', mountPath: WORK_DIR });
  const volumes = w.spec.template.spec.volumes ?? [];
  expect(volumes).toContainEqual({ name: 'gitops-token-fleet', secret: { secretName: 'gitops-fleet', items: [{ key: 'token', path: 'token' }], defaultMode: 0o440 } });
  expect(volumes).toContainEqual({ name: 'gitops-work', emptyDir: { sizeLimit: '2Gi' } });
}

describe('Helm chart helm/drover: GitOps', () => {
  it('mounts the token on the worker only, lays the work directory over config.gitops, and Drover loads that file', async () => {
    const r = await render(POLICY, GITOPS);
    expect(schemaProblems(r.objects)).toEqual([]);
    const worker = one<Workload>(r, 'Deployment', 'ops-drover-worker');
    expectGitOpsPod(worker);
    // The server runs no worker (worker.separate): no token, no clone directory.
    const server = one<Workload>(r, 'Deployment', 'ops-drover');
    expect(tokenMount(server)).toBeUndefined();
    expect(JSON.stringify(server.spec.template.spec)).not.toContain('gitops');

    const { config } = droverConfigOf(r, worker);
    expect(config.gitops.repositories).toEqual([REPO]);
    expect(config.gitops.workDir).toBe(WORK_DIR);
    expect(config.gitops.argocdNamespaces).toEqual(['argocd', 'argo-apps']);
    // The token itself is nowhere in the manifests, only the Secret's name.
    expect(JSON.stringify(r.objects)).not.toMatch(/ghp_|glpat-/);
  });

  it('mounts it on the server when the server runs the worker (worker.separate false)', async () => {
    const r = await render(POLICY, GITOPS, COMBINED);
    const workloads = droverWorkloads(r);
    expect(workloads.map((w) => w.metadata.name)).toEqual(['ops-drover']);
    expectGitOpsPod(workloads[0]!);
    expect(droverConfigOf(r, workloads[0]!).config.gitops.workDir).toBe(WORK_DIR);
  });

  it('grants the reads everywhere and the suspend patches where the runbooks act, in Flux and Argo CD namespaces', async () => {
    const r = await render(POLICY, GITOPS);
    const cluster = all<Role>(r, 'ClusterRole');
    expect(gitopsGrants(cluster)).toEqual(READS);
    const roles = all<Role>(r, 'Role');
    const byNamespace = Object.fromEntries(roles.map((role): [string, string[]] => [role.metadata.namespace ?? '', gitopsGrants([role])]));
    expect(byNamespace).toEqual({ shop: FLUX_PATCH, 'flux-system': FLUX_PATCH, argocd: ARGO_PATCH, 'argo-apps': ARGO_PATCH });
    // Every Role is bound to the worker's ServiceAccount.
    const worker = one<Workload>(r, 'Deployment', 'ops-drover-worker').spec.template.spec.serviceAccountName;
    for (const ns of Object.keys(byNamespace)) {
      const binding = all<Binding>(r, 'RoleBinding').find((b) => b.metadata.namespace === ns);
      expect(binding?.subjects).toEqual([{ kind: 'ServiceAccount', name: worker, namespace: 'drover' }]);
    }
    // No wildcard anywhere, and no verb the code does not use.
    expect(gitopsGrants([...cluster, ...roles]).every((g) => /:(get|list|patch)$/.test(g))).toBe(true);
    expect(JSON.stringify([...cluster, ...roles])).not.toContain('"*"');
  });

  it('puts the patches in the ClusterRole with rbac.clusterWide', async () => {
    const r = await render(policyFor(['scale-deployment'], ['shop-*']), GITOPS, { rbac: { clusterWide: true } });
    expect(gitopsGrants(all<Role>(r, 'ClusterRole'))).toEqual([...READS, ...FLUX_PATCH, ...ARGO_PATCH].sort());
    expect(all(r, 'Role')).toEqual([]);
  });

  it('grants nothing for GitOps with rbac.gitops false, or when no runbook declaring gitops is allowed', async () => {
    const off = await render(POLICY, GITOPS, { rbac: { gitops: false } });
    expect(gitopsGrants([...all<Role>(off, 'ClusterRole'), ...all<Role>(off, 'Role')])).toEqual([]);
    expect(all<Role>(off, 'Role').map((x) => x.metadata.namespace)).toEqual(['shop']);
    // The mounts stay: the worker still reads its token (its identity may get the RBAC elsewhere).
    expectGitOpsPod(one<Workload>(off, 'Deployment', 'ops-drover-worker'));

    const restartOnly = await render(policyFor(['restart-deployment'], ['shop']), GITOPS);
    expect(gitopsGrants([...all<Role>(restartOnly, 'ClusterRole'), ...all<Role>(restartOnly, 'Role')])).toEqual([]);
  });

  it('renders no GitOps volume without config.gitops, and keeps the default install as it was', async () => {
    const r = await render(POLICY);
    for (const w of droverWorkloads(r)) expect(JSON.stringify(w.spec.template.spec.volumes)).not.toContain('gitops');
    expect(droverConfigOf(r, one<Workload>(r, 'Deployment', 'ops-drover-worker')).config.gitops.workDir).toBeUndefined();
  });

  it('gives an agent the same mounts, work directory and RBAC', async () => {
    const r = await render(POLICY, GITOPS, AGENT);
    expect(schemaProblems(r.objects)).toEqual([]);
    const agent = one<Workload>(r, 'Deployment', 'ops-drover');
    expect(droverContainer(agent).args).toEqual(['agent', '--cluster', 'store-1']);
    expectGitOpsPod(agent);
    const { config } = droverConfigOf(r, agent);
    expect(config.gitops.repositories).toEqual([REPO]);
    expect(config.gitops.workDir).toBe(WORK_DIR);
    expect(gitopsGrants(all<Role>(r, 'ClusterRole'))).toEqual(READS);
    expect(all<Role>(r, 'Role').map((x) => x.metadata.namespace).sort()).toEqual(['argo-apps', 'argocd', 'flux-system', 'shop']);
  });

  it('refuses a tokenFile no mounted token provides, saying what to add', async () => {
    const elsewhere = { config: { gitops: { repositories: [{ ...REPO, tokenFile: '/etc/tokens/fleet' }] } } };
    await expect(render(POLICY, GITOPS, elsewhere)).rejects.toThrow(
      /config\.gitops\.repositories\[0\]\.tokenFile "\/etc\/tokens\/fleet" is not a token the chart mounts: add \{ name: NAME, secretName: SECRET, key: token \} to gitops\.tokens and set tokenFile: \/var\/run\/secrets\/drover\/gitops\/NAME\/token \(mounted now: \/var\/run\/secrets\/drover\/gitops\/fleet\/token\)/,
    );
    await expect(render(POLICY, { config: GITOPS.config })).rejects.toThrow(/tokenFile "\/var\/run\/secrets\/drover\/gitops\/fleet\/token" is not a token the chart mounts/);
    // Path tricks do not pass as a mount.
    const traversal = { config: { gitops: { repositories: [{ ...REPO, tokenFile: '/var/run/secrets/drover/gitops/fleet/../fleet/token' }] } } };
    await expect(render(POLICY, GITOPS, traversal)).rejects.toThrow(/is not a token the chart mounts/);
  });

  it.each([
    ['url', { url: 'https://x-access-token:ghp_secret123@github.com/acme/fleet' }, /repositories\[0\]\.url carries a user name or password/],
    ['cloneUrl', { cloneUrl: 'https://oauth2:glpat-secret123@gitlab.example.com/acme/fleet.git' }, /repositories\[0\]\.cloneUrl carries a user name or password/],
    ['forge.apiUrl', { forge: { type: 'gitlab', project: 'acme/fleet', apiUrl: 'https://bot:secret123@gitlab.example.com/api/v4' } }, /repositories\[0\]\.forge\.apiUrl carries credentials/],
  ])('refuses credentials in %s, without repeating them', async (_field, change, message) => {
    const values = { config: { gitops: { repositories: [{ ...REPO, ...change }] } } };
    const err = await render(POLICY, GITOPS, values).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(message);
    expect(err?.message).not.toContain('secret123');
  });

  it('refuses a token name that is not a DNS label, a name listed twice, and a bad namespace', async () => {
    // The values schema refuses it before a template sees it.
    await expect(render({ gitops: { tokens: [{ name: '../etc', secretName: 's' }] } })).rejects.toThrow(/gitops\/tokens\/0\/name': '\.\.\/etc' does not match/);
    await expect(render({ gitops: { tokens: [{ name: 'a', secretName: 's' }, { name: 'a', secretName: 't' }] } })).rejects.toThrow(/gitops\.tokens: the name "a" is listed twice/);
    await expect(render(POLICY, GITOPS, { config: { gitops: { argocdNamespaces: ['argocd\n  evil: true'] } } })).rejects.toThrow(/config\.gitops\.argocdNamespaces: "argocd\\n {2}evil: true" is not a namespace name/);
  });

  it('passes helm lint --strict with GitOps on, central and agent', async () => {
    await expect(helmLint({ values: [POLICY, GITOPS] })).resolves.toContain('0 chart(s) failed');
    await expect(helmLint({ values: [POLICY, GITOPS, AGENT] })).resolves.toContain('0 chart(s) failed');
  });
});
