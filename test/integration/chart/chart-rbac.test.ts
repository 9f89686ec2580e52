/**
 * The chart's RBAC, rendered by the real Helm: least privilege derived from
 * the shipped runbooks' Kubernetes calls, granted only where the policy lets
 * runs act on the cluster Drover runs in (Roles in the namespaces it names; a
 * ClusterRole only with rbac.clusterWide), nothing for the default deny-all
 * policy, and no wildcard ever. With rbac.gitops (on by default), a policy
 * allowing a runbook that declares `gitops` also brings the Flux and Argo CD
 * rules src/gitops/owner needs; test/integration/chart/gitops.test.ts covers
 * them in depth, these tests only account for them exactly where they appear.
 * test/real-kube/chart/chart-rbac.test.ts (and gitops-rbac.test.ts) prove on a
 * real API server that these grants are enough.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPLICATION, BUCKET, GIT_REPOSITORY, HELM_RELEASE, KUSTOMIZATION, OCI_REPOSITORY, SUSPENDABLE, type KindVersions } from '../../../src/gitops/owner/kinds.js';
import { helmBinary, helmNotes } from '../../support/helm.js';
import { ROOT } from '../../support/test-drover.js';
import { all, grants, one, render, renderWith, type Binding, type Rendered, type Role, type Rule, type Workload } from './objects.js';
import { MAXIMAL_VALUES_FILE, policyFor } from './values.js';

/** The namespaced rules the shipped runbooks need, as rendered (order included): a change here is a reviewed change. */
const RUNBOOK_RULES: Rule[] = [
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] },
  { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get', 'patch'] },
  { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'delete'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['events'], verbs: ['list'] },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['get', 'patch'] },
  { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'patch'] },
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get'] },
];
const NODE_RULE: Rule = { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch'] };
/** drain-node: a node's pods can be in any namespace, so these are in the ClusterRole. */
const DRAIN_RULES: Rule[] = [
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
  { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
];
const STORAGE_CLASS_RULE: Rule = { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get'] };
const EXTRA_RULE: Rule = { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] };
/** Resources that belong to no namespace. */
const CLUSTER_SCOPED = new Set(['nodes', 'storageclasses']);
/** A runbook without a namespace param acts cluster-wide: everything it calls is granted in the ClusterRole. */
const clusterWide = (runbook: string) => !/\bnamespace: z\./.test(readFileSync(join(ROOT, 'runbooks', `${runbook}.ts`), 'utf8'));

/** A runbook declaring `gitops` (scale-deployment, raise-hpa-max, expand-pvc): allowing it brings the GitOps rules (rbac.gitops). */
const declaresGitOps = (runbook: string) => /^\s*gitops: \{/m.test(readFileSync(join(ROOT, 'runbooks', `${runbook}.ts`), 'utf8'));
/** The resource name RBAC uses for a reconciler kind (Kustomization → kustomizations, GitRepository → gitrepositories). */
const plural = (kind: KindVersions) => `${kind.kind.toLowerCase().replace(/y$/, 'ie')}s`;
const SOURCES = [GIT_REPOSITORY, OCI_REPOSITORY, BUCKET];
/**
 * The GitOps reads in the ClusterRole, as rendered: get and list on the kinds
 * Drover suspends (an owner lookup, the suspension sweeper), get on a
 * Kustomization's sources (src/gitops/owner/kinds.ts).
 */
const GITOPS_READ_RULES: Rule[] = [
  ...SUSPENDABLE.map((k) => ({ apiGroups: [k.group], resources: [plural(k)], verbs: ['get', 'list'] })),
  { apiGroups: [...new Set(SOURCES.map((k) => k.group))], resources: SOURCES.map(plural), verbs: ['get'] },
];
/** The `suspend` patches, in a Role: Flux's beside the workloads and in gitops.fluxNamespaces, Argo CD's in config.gitops.argocdNamespaces. */
const FLUX_PATCH_RULES: Rule[] = [KUSTOMIZATION, HELM_RELEASE].map((k) => ({ apiGroups: [k.group], resources: [plural(k)], verbs: ['patch'] }));
const ARGO_PATCH_RULES: Rule[] = [APPLICATION].map((k) => ({ apiGroups: [k.group], resources: [plural(k)], verbs: ['patch'] }));
/** The namespaces holding the reconcilers by default: gitops.fluxNamespaces (values.yaml), config.gitops.argocdNamespaces (src/gitops/settings.ts). */
const FLUX_NAMESPACE = 'flux-system';
const ARGO_NAMESPACE = 'argocd';
const GITOPS_RESOURCES = new Set([...SUSPENDABLE, ...SOURCES].map(plural));
const isGitOpsRule = (rule: Rule) => rule.resources.some((res) => GITOPS_RESOURCES.has(res));

/**
 * The API calls behind each ctx.k8s method (src/k8s/*-ops.ts). A runbook
 * calling a method missing here fails the test: add it, and the grant it needs.
 */
const K8S_METHOD_CALLS: Record<string, Array<[group: string, resource: string, verb: string]>> = {
  getDeployment: [['apps', 'deployments', 'get']],
  restartDeployment: [['apps', 'deployments', 'get'], ['apps', 'deployments', 'patch']],
  rollbackDeployment: [['apps', 'deployments', 'get'], ['apps', 'replicasets', 'list'], ['apps', 'deployments', 'patch']],
  rolloutStatus: [['apps', 'deployments', 'get']],
  pauseDeployment: [['apps', 'deployments', 'get'], ['apps', 'deployments', 'patch']],
  resumeDeployment: [['apps', 'deployments', 'get'], ['apps', 'deployments', 'patch']],
  getScale: [['apps', 'deployments/scale', 'get']],
  // The GitOps owner lookup (src/gitops/gitops-ops.ts) reads the Deployment first.
  scaleDeployment: [['apps', 'deployments', 'get'], ['apps', 'deployments/scale', 'get'], ['apps', 'deployments/scale', 'patch']],
  getPod: [['', 'pods', 'get']],
  listPods: [['', 'pods', 'list']],
  deletePod: [['', 'pods', 'get'], ['', 'pods', 'delete']],
  readPodLogs: [['', 'pods/log', 'get']],
  listEvents: [['', 'events', 'list']],
  getNode: [['', 'nodes', 'get']],
  cordonNode: [['', 'nodes', 'get'], ['', 'nodes', 'patch']],
  uncordonNode: [['', 'nodes', 'get'], ['', 'nodes', 'patch']],
  planDrain: [['', 'pods', 'list']],
  evictPod: [['', 'pods', 'get'], ['', 'pods/eviction', 'create']],
  getHpa: [['autoscaling', 'horizontalpodautoscalers', 'get']],
  // Reads the HPA first (its GitOps owner lookup too).
  setHpaMaxReplicas: [['autoscaling', 'horizontalpodautoscalers', 'get'], ['autoscaling', 'horizontalpodautoscalers', 'patch']],
  getPvc: [['', 'persistentvolumeclaims', 'get']],
  // Reads the claim first (its GitOps owner lookup too).
  expandPvc: [['', 'persistentvolumeclaims', 'get'], ['', 'persistentvolumeclaims', 'patch']],
  getStorageClass: [['storage.k8s.io', 'storageclasses', 'get']],
  getJob: [['batch', 'jobs', 'get']],
  listJobPods: [['', 'pods', 'list']],
};

/** Each shipped runbook (runbooks/<id>.ts) and the API calls its ctx.k8s methods make, read from the code. */
function runbookCalls(): Map<string, string[]> {
  const calls = new Map<string, string[]>();
  for (const file of readdirSync(join(ROOT, 'runbooks')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const methods = [...readFileSync(join(ROOT, 'runbooks', file), 'utf8').matchAll(/ctx\.k8s\.(\w+)\(/g)].map((m) => m[1]!);
    const unknown = methods.filter((m) => !(m in K8S_METHOD_CALLS));
    if (unknown.length > 0) throw new Error(`${file} calls ctx.k8s.${unknown.join(', ')}: add to K8S_METHOD_CALLS, and its grant to the chart`);
    calls.set(file.replace(/\.ts$/, ''), [...new Set(methods.flatMap((m) => K8S_METHOD_CALLS[m]!.map(([g, res, verb]) => `${g}/${res}:${verb}`)))].sort());
  }
  return calls;
}

const roles = (r: Rendered) => [...all<Role>(r, 'ClusterRole'), ...all<Role>(r, 'Role')];
const impersonating = (r: Rendered) => roles(r).flatMap((x) => x.rules).filter((rule) => rule.verbs.includes('impersonate'));

describe('Helm chart helm/drover: RBAC', () => {
  let defaults: Rendered;
  let maximal: Rendered;

  beforeAll(async () => {
    helmBinary();
    [defaults, maximal] = await Promise.all([render(), renderWith({ valuesFiles: [MAXIMAL_VALUES_FILE] })]);
  }, 300_000);

  it('grants nothing with the default policy, which denies every run', async () => {
    expect(roles(defaults)).toEqual([]);
    expect([...all(defaults, 'ClusterRoleBinding'), ...all(defaults, 'RoleBinding')]).toEqual([]);
    expect(await helmNotes()).toMatch(/RBAC: no runbook permission \(the policy allows no run on this cluster\)/);
    // A policy for other clusters only: nothing on this one either.
    const elsewhere = await render({ policy: { groups: { sre: ['U012ABCDEF'] }, rules: [{ groups: ['sre'], runbooks: ['*'], clusters: ['prod-*'] }] } });
    expect(roles(elsewhere)).toEqual([]);
  });

  it('grants exactly what the shipped runbooks call, in the namespaces the policy names, with no wildcard', () => {
    // The maximal policy: everything in shop and payments, the node runbooks (no namespace) anywhere; plus an extra rule.
    // Runbooks declaring `gitops` among them: the Flux suspend patches beside the workloads, and Roles in the reconcilers' namespaces.
    const namespaced = all<Role>(maximal, 'Role');
    expect(namespaced.map((x) => [x.metadata.namespace, x.rules])).toEqual([
      ['shop', [...RUNBOOK_RULES, EXTRA_RULE, ...FLUX_PATCH_RULES]],
      ['payments', [...RUNBOOK_RULES, EXTRA_RULE, ...FLUX_PATCH_RULES]],
      [ARGO_NAMESPACE, ARGO_PATCH_RULES],
      [FLUX_NAMESPACE, FLUX_PATCH_RULES],
    ]);
    for (const b of all<Binding>(maximal, 'RoleBinding')) {
      expect(b.roleRef).toMatchObject({ kind: 'Role', name: 'ops-drover' });
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'ops-drover', namespace: 'drover' }]);
    }
    const clusterRole = one<Role>(maximal, 'ClusterRole', 'ops-drover');
    expect(clusterRole.rules.filter((r) => !r.verbs.includes('impersonate'))).toEqual([NODE_RULE, ...DRAIN_RULES, STORAGE_CLASS_RULE, ...GITOPS_READ_RULES]);
    const binding = one<Binding>(maximal, 'ClusterRoleBinding', 'ops-drover');
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: 'ops-drover' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'ops-drover', namespace: 'drover' }]);
    // Only the workers run as that account with a token.
    expect(one<Workload>(maximal, 'Deployment', 'ops-drover-worker').spec.template.spec.serviceAccountName).toBe('ops-drover');

    // Derived from the code: what the runbooks call is what is granted (the extra rule, impersonation and the GitOps rules aside).
    const called = [...new Set([...runbookCalls().values()].flat())].sort();
    // A call granted twice (drain-node's pods get/list in every namespace, the namespaced runbooks' in theirs) counts once.
    const runbookRules = (rules: Rule[]) => rules.filter((r) => !r.verbs.includes('impersonate') && !isGitOpsRule(r));
    const granted = [...new Set(grants([{ ...clusterRole, rules: runbookRules(clusterRole.rules) }, { ...namespaced[0]!, rules: namespaced[0]!.rules.slice(0, RUNBOOK_RULES.length) }]))];
    expect(granted).toEqual(called);
    // ...and each of those calls is one src/k8s really makes.
    const made = readdirSync(join(ROOT, 'src', 'k8s'))
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...readFileSync(join(ROOT, 'src', 'k8s', f), 'utf8').matchAll(/verb: '(\w+)', resource: '([\w/]+)'/g)].map((m) => `${m[2]}:${m[1]}`));
    for (const call of called) expect(made).toContain(call.slice(call.indexOf('/') + 1));

    for (const r of [defaults, maximal]) {
      for (const rule of roles(r).flatMap((x) => x.rules)) {
        for (const field of [rule.apiGroups, rule.resources, rule.verbs, rule.resourceNames ?? []]) expect(field).not.toContain('*');
      }
    }
  });

  it('grants the cluster-scoped permissions only for the runbooks that need them, when the policy allows them', async () => {
    for (const [runbook, calls] of runbookCalls()) {
      const clusterOnly = clusterWide(runbook);
      // A run without a namespace (cordon-node, drain-node) is allowed only by a rule with namespaces: ['*'] (src/policy/namespaces.ts).
      const r = await render(policyFor([runbook], clusterOnly ? ['*'] : ['shop', '!kube-system']));
      const clusterRoles = all<Role>(r, 'ClusterRole');
      const gitops = declaresGitOps(runbook);
      const needed = [...new Set(calls.map((c) => c.slice(c.indexOf('/') + 1, c.indexOf(':'))).filter((res) => clusterOnly || CLUSTER_SCOPED.has(res)))];
      const clusterRules = clusterRoles.flatMap((x) => x.rules);
      expect({ runbook, cluster: clusterRules.filter((rule) => !isGitOpsRule(rule)).flatMap((rule) => rule.resources).sort() }).toEqual({ runbook, cluster: needed.sort() });
      // A runbook declaring `gitops`: the owner reads, in every namespace; any other, none.
      expect({ runbook, gitops: clusterRules.filter(isGitOpsRule) }).toEqual({ runbook, gitops: gitops ? GITOPS_READ_RULES : [] });
      // Exactly its calls, no more: a cluster-wide runbook's ClusterRole is all it gets.
      if (clusterOnly) expect({ runbook, grants: grants(clusterRoles) }).toEqual({ runbook, grants: calls });
      // Its `suspend` patches: Flux's beside it in shop and in flux-system, Argo CD's in argocd.
      const namespaces = clusterOnly ? [] : gitops ? ['shop', ARGO_NAMESPACE, FLUX_NAMESPACE] : ['shop'];
      expect({ runbook, roles: all<Role>(r, 'Role').map((x) => x.metadata.namespace) }).toEqual({ runbook, roles: namespaces });
    }
  });

  it('grants in each namespace what the runbooks the policy allows there call, and no more', async () => {
    // One runbook per namespace: its Role is exactly its calls (read from the code), so a read-only runbook gets no write.
    const namespacedCalls = [...runbookCalls()]
      .filter(([runbook]) => !clusterWide(runbook))
      .map(([runbook, calls]) => [runbook, calls.filter((c) => !CLUSTER_SCOPED.has(c.slice(c.indexOf('/') + 1, c.indexOf(':'))))] as const)
      .filter(([, calls]) => calls.length > 0);
    const policy = {
      groups: { sre: ['U012ABCDEF'] },
      rules: namespacedCalls.map(([runbook]) => ({ groups: ['sre'], runbooks: [runbook], clusters: ['*'], namespaces: [`ns-${runbook}`] })),
    };
    const r = await render({ policy });
    for (const [runbook, calls] of namespacedCalls) {
      const role = all<Role>(r, 'Role').find((x) => x.metadata.namespace === `ns-${runbook}`)!;
      // A runbook declaring `gitops` also gets the Flux `suspend` patches beside its workloads.
      const gitops = declaresGitOps(runbook) ? grants([{ ...role, rules: FLUX_PATCH_RULES }]) : [];
      expect({ runbook, grants: grants([role]) }).toEqual({ runbook, grants: [...calls, ...gitops].sort() });
    }
    // The reconcilers' own namespaces: the `suspend` patches only.
    expect(all<Role>(r, 'Role').filter((x) => !x.metadata.namespace?.startsWith('ns-')).map((x) => [x.metadata.namespace, x.rules])).toEqual([
      [ARGO_NAMESPACE, ARGO_PATCH_RULES],
      [FLUX_NAMESPACE, FLUX_PATCH_RULES],
    ]);
    expect(grants(all<Role>(r, 'Role').filter((x) => x.metadata.namespace === 'ns-job-failure-report'))).not.toContain('/pods:delete');
    // Two rules naming one namespace: the union. A glob matching no shipped runbook is one of yours: every shipped call.
    const shop = await render({
      policy: {
        groups: { sre: ['U012ABCDEF'] },
        rules: [
          { groups: ['sre'], runbooks: ['delete-pod'], clusters: ['*'], namespaces: ['shop'] },
          { groups: ['sre'], runbooks: ['scale-*'], clusters: ['*'], namespaces: ['shop'] },
          { groups: ['sre'], runbooks: ['team-*'], clusters: ['*'], namespaces: ['custom'] },
        ],
      },
    });
    // scale-deployment reads the Deployment (its GitOps owner) and declares `gitops`: the Flux patches beside it, and the reconcilers' Roles.
    expect(all<Role>(shop, 'Role').map((x) => [x.metadata.namespace, x.rules])).toEqual([
      ['shop', [{ ...RUNBOOK_RULES[0]!, verbs: ['get'] }, RUNBOOK_RULES[1], { ...RUNBOOK_RULES[3]!, verbs: ['get', 'delete'] }, ...FLUX_PATCH_RULES]],
      ['custom', [...RUNBOOK_RULES, ...FLUX_PATCH_RULES]],
      [ARGO_NAMESPACE, ARGO_PATCH_RULES],
      [FLUX_NAMESPACE, FLUX_PATCH_RULES],
    ]);
  });

  it('asks for rbac.clusterWide (or explicit namespaces) when the policy names namespaces by glob', async () => {
    const globbed = policyFor(['restart-deployment'], ['team-*']);
    await expect(render(globbed)).rejects.toThrow(
      /^Error: execution error at \(drover\/templates\/rbac\.yaml:\d+:\d+\): RBAC cannot be scoped to namespaces for policy\.rules\[0\] \(namespaces \["team-\*"\]\): name the namespaces in those rules, or set rbac\.clusterWide: true/,
    );
    await expect(render(policyFor(['*']))).rejects.toThrow(/policy\.rules\[0\] \(no namespaces: every namespace\)/);

    const wide = await render(globbed, { rbac: { clusterWide: true } });
    expect(all(wide, 'Role')).toEqual([]);
    // Every namespace, but only what restart-deployment calls.
    expect(one<Role>(wide, 'ClusterRole', 'ops-drover').rules).toEqual([RUNBOOK_RULES[0]]);
    expect(await helmNotes({ values: [globbed, { rbac: { clusterWide: true } }] })).toMatch(/RBAC: runbooks may act in every namespace \(rbac\.clusterWide\), kube-system included/);

    // rbac.namespaces overrides what the policy names, granting there every shipped runbook's calls: those declaring
    // `gitops` among them, so the Flux patches beside them, the reconcilers' Roles, and the GitOps reads cluster-wide (nothing else).
    const listed = await render(globbed, { rbac: { namespaces: ['team-a', 'team-b'], extraRules: [EXTRA_RULE] } });
    expect(all<Role>(listed, 'Role').map((x) => [x.metadata.namespace, x.rules])).toEqual([
      ['team-a', [...RUNBOOK_RULES, EXTRA_RULE, ...FLUX_PATCH_RULES]],
      ['team-b', [...RUNBOOK_RULES, EXTRA_RULE, ...FLUX_PATCH_RULES]],
      [ARGO_NAMESPACE, ARGO_PATCH_RULES],
      [FLUX_NAMESPACE, FLUX_PATCH_RULES],
    ]);
    expect(all<Role>(listed, 'ClusterRole').map((x) => x.rules)).toEqual([GITOPS_READ_RULES]);

    // Impersonating runs need no grant of their own: no failure, no runbook rules.
    const impersonation = await render(globbed, { rbac: { runbooks: false }, impersonation: { enabled: true, users: ['bot'] } });
    expect(grants(roles(impersonation))).toEqual(['/users:impersonate']);
    await expect(render(policyFor(['x'], ['shop']), { rbac: { extraRules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['*'] }] } })).rejects.toThrow(
      /^Error: execution error at \(drover\/templates\/rbac\.yaml:\d+:\d+\): rbac\.extraRules\[0\]\.verbs contains "\*"/,
    );
    // Nor the verbs that grant more than they name: escalate and bind (any permission through a role), impersonate (any identity).
    for (const verb of ['escalate', 'bind', 'impersonate']) {
      const rule = { apiGroups: verb === 'impersonate' ? [''] : ['rbac.authorization.k8s.io'], resources: verb === 'impersonate' ? ['users'] : ['clusterroles'], verbs: ['get', verb] };
      await expect(render(policyFor(['x'], ['shop']), { rbac: { extraRules: [rule] } })).rejects.toThrow(
        `rbac.extraRules[0].verbs contains "${verb}", which lets Drover grant itself more than its runbooks use`,
      );
    }
  });

  it('grants impersonate only when enabled, on the listed users and groups only', async () => {
    expect(impersonating(defaults)).toEqual([]);
    expect(impersonating(maximal)).toEqual([
      { apiGroups: [''], resources: ['users'], verbs: ['impersonate'], resourceNames: ['alice@example.com', 'drover-automation'] },
      { apiGroups: [''], resources: ['groups'], verbs: ['impersonate'], resourceNames: ['sre'] },
    ]);
    const usersOnly = await render({ impersonation: { enabled: true, users: ['bot'] } });
    expect(impersonating(usersOnly)).toEqual([{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'], resourceNames: ['bot'] }]);
    await expect(render({ impersonation: { enabled: true } })).rejects.toThrow(/impersonation\.users must list the users Drover may impersonate/);
    await expect(render({ impersonation: { enabled: true, users: ['*'] } })).rejects.toThrow(/must name identities, not "\*"/);
  });
});
