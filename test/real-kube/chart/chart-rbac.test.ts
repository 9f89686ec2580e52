/**
 * The chart's least-privilege RBAC is enough, on a real server: the real Helm
 * renders the chart with a policy allowing each shipped runbook in a namespace
 * of its own (and the node runbooks, which have none, with namespaces ['*']:
 * cordon-node, uncordon-node, and drain-node, whose evictions reach pods in
 * every namespace); its
 * ServiceAccount, Roles, small ClusterRole and bindings are created on a real
 * 1.20 API server, and Drover, holding that ServiceAccount's token, runs every
 * shipped runbook for real, each in its namespace. A rule the chart forgot is
 * a 403 here; a rule it grants beyond that is checked by the chart tests'
 * rule list, and a namespace the policy does not name is refused (control).
 */
import { CoreV1Api, KubernetesObjectApi } from '@kubernetes/client-node';
import { CASES } from '../runbooks/cases/index.js';
import { drive } from '../runbooks/drive.js';
import { Seeder } from '../runbooks/seed.js';
import { buildDroverOn, type ClusterDrover } from '../../support/test-drover.js';
import { freshNamespace, useRealKube } from '../support.js';
import { helmTemplate } from './helm.js';

const kube = useRealKube();
/** The shipped runbooks without a namespace param: allowed only by namespaces ['*'], granted in the ClusterRole. */
const NODE_RUNBOOKS = ['cordon-node', 'drain-node', 'uncordon-node'];
let drover: ClusterDrover;
let serviceAccount: string;
let token: string;
/** The namespace the policy names for each runbook's case. */
const caseNamespace = new Map<string, string>();

beforeAll(async () => {
  const kc = kube().kubeConfig();
  const namespace = await freshNamespace(kube(), 'drover');
  for (const c of CASES) caseNamespace.set(c.runbook, await freshNamespace(kube(), 'rbac'));
  // Each runbook allowed in its own namespace only: its Role there holds exactly what it calls.
  const namespaced = [...caseNamespace].filter(([runbook]) => !NODE_RUNBOOKS.includes(runbook));
  const policy = {
    groups: { sre: ['U012ABCDEF'] },
    rules: [
      ...namespaced.map(([runbook, ns]) => ({ groups: ['sre'], runbooks: [runbook], clusters: ['*'], namespaces: [ns] })),
      { groups: ['sre'], runbooks: NODE_RUNBOOKS, clusters: ['*'], namespaces: ['*'] },
    ],
  };
  // Runbooks declaring `gitops` bring Roles with the suspend patches in the reconcilers' namespaces (rbac.gitops): fresh ones
  // here, as a Role needs an existing namespace (gitops-rbac.test.ts proves those grants on this server).
  const [fluxNamespace, argoNamespace] = [await freshNamespace(kube(), 'flux'), await freshNamespace(kube(), 'argo')];
  const values = { policy, gitops: { fluxNamespaces: [fluxNamespace] }, config: { gitops: { argocdNamespaces: [argoNamespace] } } };
  const objects = await helmTemplate({ release: 'drover', kubeVersion: '1.20.2', namespace, values });
  // The workers' ServiceAccount (the server has one of its own, bound to nothing).
  const workerAccount = (objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'drover-worker') as { spec: { template: { spec: { serviceAccountName: string } } } } | undefined)
    ?.spec.template.spec.serviceAccountName;
  expect(workerAccount).toBe('drover');
  const rbac = objects.filter((o) => ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind) || (o.kind === 'ServiceAccount' && o.metadata.name === workerAccount));
  const roles = rbac.filter((o) => o.kind === 'Role');
  expect(roles.map((o) => o.metadata.namespace)).toEqual([...namespaced.map(([, ns]) => ns), ...[argoNamespace, fluxNamespace].sort()]);
  expect(rbac.filter((o) => o.kind !== 'Role' && o.kind !== 'RoleBinding').map((o) => o.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'ServiceAccount']);
  const client = KubernetesObjectApi.makeApiClient(kc);
  // Roles and RoleBindings name their namespaces; the rest goes into the release's.
  for (const object of rbac) await client.create({ ...object, metadata: { ...object.metadata, namespace: object.metadata.namespace ?? namespace } });
  serviceAccount = rbac.find((o) => o.kind === 'ServiceAccount')?.metadata.name ?? '';
  // A token for the ServiceAccount, as the kubelet would mount one (TokenRequest API).
  const { status } = await kc
    .makeApiClient(CoreV1Api)
    .createNamespacedServiceAccountToken({ namespace, name: serviceAccount, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  token = status?.token ?? '';
  const k = kube();
  drover = await buildDroverOn({ server: k.url, kubeConfig: k.kubeConfig(token), source: 'kubeconfig' });
  await drover.drover.startWorker({ concurrency: 2 });
}, 120_000);

afterAll(async () => {
  await drover?.close();
}, 30_000);

test.each(CASES.map((c) => [c.runbook, c] as const))('%s runs for real with the chart\'s ServiceAccount', async (_id, c) => {
  const scenario = await c.seed(new Seeder(kube(), caseNamespace.get(c.runbook)!));
  const run = await drive(drover, c.runbook, scenario.params, { dryRun: false });
  expect({ state: run.run.state, error: run.run.error?.message }).toEqual({ state: 'succeeded', error: undefined });
}, 120_000);

test('control: the same token is refused what the chart does not grant (reading Secrets; deleting pods where the policy names no namespace; writes where only a report runs)', async () => {
  const core = kube().kubeConfig(token).makeApiClient(CoreV1Api);
  await expect(core.listNamespacedSecret({ namespace: caseNamespace.get('delete-pod')! })).rejects.toMatchObject({ code: 403 });
  // drain-node lists and evicts pods in every namespace; it deletes none.
  await expect(core.deleteNamespacedPod({ namespace: 'kube-system', name: 'any' })).rejects.toMatchObject({ code: 403 });
  await expect(core.listNamespacedEvent({ namespace: 'kube-system' })).rejects.toMatchObject({ code: 403 });
  const report = caseNamespace.get('job-failure-report')!;
  await expect(core.listNamespacedPod({ namespace: report })).resolves.toBeDefined();
  await expect(core.deleteCollectionNamespacedPod({ namespace: report })).rejects.toMatchObject({ code: 403 });
  await expect(core.deleteNamespacedPod({ namespace: report, name: 'any' })).rejects.toMatchObject({ code: 403 });
});
