/**
 * The chart in agent mode on a real 1.20 API server (the oldest Drover
 * supports): every object the real Helm renders with every agent feature on
 * is accepted (server-side dry run: validated, nothing stored; the
 * ServiceMonitor's CRD aside), and the agent's ServiceAccount, once its
 * RBAC is created for real, may do what the allowed runbooks call in the
 * namespace the policy names, and nothing else: no Secret, no other
 * namespace (SubjectAccessReview, answered by the server's own RBAC
 * authorizer).
 */
import { AuthorizationV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { MAXIMAL_VALUES_FILE } from '../../integration/chart/values.js';
import { freshNamespace, useRealKube } from '../support.js';
import { helmBinary, helmTemplate, type RenderedObject } from './helm.js';

const kube = useRealKube({ controllerManager: false });

const agentValues = (namespace: string) => ({
  valuesFiles: [MAXIMAL_VALUES_FILE],
  values: [
    {
      mode: 'agent',
      agent: { cluster: 'store-1', replicas: 2, labels: { region: 'eu' }, redis: { existingSecret: 'drover-agent-redis', caSecret: 'central-redis-ca' } },
      // The policy of the central Drover, its namespaces replaced by the test's own (Roles need an existing namespace).
      policy: {
        groups: { sre: ['U012ABCDEF'] },
        rules: [
          { groups: ['sre'], runbooks: ['restart-deployment', 'delete-pod'], clusters: ['store-*'], namespaces: [namespace] },
          { groups: ['sre'], runbooks: ['cordon-node'], clusters: ['store-*'], namespaces: ['*'] },
        ],
      },
    },
  ],
});

beforeAll(() => {
  helmBinary();
}, 300_000);

async function create(objects: RenderedObject[], namespace: string, dryRun?: 'All'): Promise<string[]> {
  const client = KubernetesObjectApi.makeApiClient(kube().kubeConfig());
  const refused: string[] = [];
  for (const object of objects) {
    if (object.apiVersion === 'monitoring.coreos.com/v1') continue;
    const body = { ...object, metadata: { ...object.metadata, namespace: object.metadata.namespace ?? namespace } } as KubernetesObject;
    try {
      await client.create(body, undefined, dryRun);
    } catch (err) {
      const e = err as { code?: number; body?: unknown };
      refused.push(`${object.kind} ${object.metadata.name}: ${e.code ?? ''} ${typeof e.body === 'string' ? e.body : JSON.stringify(e.body ?? String(err))}`);
    }
  }
  return refused;
}

it('renders the agent for Kubernetes 1.20, and the 1.20 API server accepts every object', async () => {
  const namespace = await freshNamespace(kube(), 'agent');
  const objects = await helmTemplate({ release: 'drover-agent', kubeVersion: '1.20.2', namespace, ...agentValues(namespace) });
  expect(objects.map((o) => o.kind).sort()).toEqual([
    'ClusterRole',
    'ClusterRoleBinding',
    'ConfigMap',
    'ConfigMap',
    'Deployment',
    'NetworkPolicy',
    'PodDisruptionBudget',
    'Role',
    'RoleBinding',
    'Service',
    'ServiceAccount',
    'ServiceMonitor',
  ]);
  expect(objects.find((o) => o.kind === 'PodDisruptionBudget')?.apiVersion).toBe('policy/v1beta1');
  expect(await create(objects, namespace, 'All')).toEqual([]);
  const client = KubernetesObjectApi.makeApiClient(kube().kubeConfig());
  expect((await client.list('apps/v1', 'Deployment', namespace)).items).toEqual([]);
}, 120_000);

it("lets the agent's ServiceAccount do what the allowed runbooks call, in the policy's namespace only", async () => {
  const namespace = await freshNamespace(kube(), 'agent');
  const other = await freshNamespace(kube(), 'other');
  const objects = await helmTemplate({ release: 'drover-agent', kubeVersion: '1.20.2', namespace, ...agentValues(namespace) });
  const rbac = objects.filter((o) => ['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind));
  // Cluster-scoped names are shared by every test on this server: make them this test's own.
  const own = rbac.map((o) => {
    if (o.kind === 'ClusterRole') return { ...o, metadata: { ...o.metadata, name: `${namespace}-agent` } };
    if (o.kind === 'ClusterRoleBinding') return { ...o, metadata: { ...o.metadata, name: `${namespace}-agent` }, roleRef: { ...(o.roleRef as object), name: `${namespace}-agent` } };
    return o;
  });
  expect(await create(own, namespace)).toEqual([]);

  const authz = kube().kubeConfig().makeApiClient(AuthorizationV1Api);
  const user = `system:serviceaccount:${namespace}:drover-agent`;
  const may = async (verb: string, resource: string, group: string, ns?: string, subresource?: string) => {
    const review = await authz.createSubjectAccessReview({
      body: { spec: { user, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`], resourceAttributes: { verb, resource, group, ...(ns ? { namespace: ns } : {}), ...(subresource ? { subresource } : {}) } } },
    });
    return review.status?.allowed === true;
  };
  const answers = {
    'patch deployments here': await may('patch', 'deployments', 'apps', namespace),
    'delete pods here': await may('delete', 'pods', '', namespace),
    'patch nodes': await may('patch', 'nodes', ''),
    'get secrets here': await may('get', 'secrets', '', namespace),
    'list secrets here': await may('list', 'secrets', '', namespace),
    'patch deployments elsewhere': await may('patch', 'deployments', 'apps', other),
    'delete pods elsewhere': await may('delete', 'pods', '', other),
    'scale deployments here (not allowed by the policy)': await may('patch', 'deployments', 'apps', namespace, 'scale'),
    'create pods here': await may('create', 'pods', '', namespace),
  };
  expect(answers).toEqual({
    'patch deployments here': true,
    'delete pods here': true,
    'patch nodes': true,
    'get secrets here': false,
    'list secrets here': false,
    'patch deployments elsewhere': false,
    'delete pods elsewhere': false,
    'scale deployments here (not allowed by the policy)': false,
    'create pods here': false,
  });
}, 120_000);
