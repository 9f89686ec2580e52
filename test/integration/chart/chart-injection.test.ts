/**
 * No value writes YAML into the manifest. Templates print names, keys and
 * sizes as they are; a value with a newline once turned a policy's namespace
 * into a ClusterRoleBinding to cluster-admin. The schema holds those values
 * to Kubernetes' own formats, and the policy's namespaces (Drover's schema
 * accepts globs there) are checked where they become a Role's namespace.
 */
import { helmBinary } from '../../support/helm.js';
import { render } from './objects.js';
import { EXTERNAL_REDIS_URL, MAXIMAL, policyFor } from './values.js';

const PAYLOAD = 'x\ninjected: 1';

/** A ClusterRoleBinding to cluster-admin for the default ServiceAccount, after a namespace the Role template prints. */
const CLUSTER_ADMIN = [
  'shop',
  '---',
  'apiVersion: rbac.authorization.k8s.io/v1',
  'kind: ClusterRoleBinding',
  'metadata: {name: pwn}',
  'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}',
  'subjects: [{kind: ServiceAccount, name: default, namespace: drover}]',
  '---',
  'apiVersion: rbac.authorization.k8s.io/v1',
  'kind: Role',
  'metadata:',
  '  name: y',
  '  namespace: shop',
].join('\n');

describe('Helm chart helm/drover: values cannot inject YAML', () => {
  beforeAll(() => helmBinary(), 300_000);

  it("refuses a policy namespace that is not a namespace name, before it becomes a Role's namespace", async () => {
    await expect(render(policyFor(['restart-deployment'], [CLUSTER_ADMIN]))).rejects.toThrow(
      /policy\.rules\[0\]\.namespaces: "shop\\n---\\n.*" is not a namespace name/,
    );
    await expect(render(policyFor(['restart-deployment'], ['Shop_1']))).rejects.toThrow(/"Shop_1" is not a namespace name/);
    // Globs and exclusions are still the policy's to use.
    const ok = await render(policyFor(['restart-deployment'], ['shop', '!kube-system']));
    expect(ok.objects.filter((o) => o.kind === 'Role').map((o) => o.metadata.namespace)).toEqual(['shop']);
  });

  // Each is printed unquoted by a template; with the payload it rendered an extra key (or broke the YAML).
  it.each([
    [{ nameOverride: PAYLOAD }, '/nameOverride'],
    [{ fullnameOverride: PAYLOAD }, '/fullnameOverride'],
    [{ existingSecret: PAYLOAD }, '/existingSecret'],
    [{ audit: { existingSecret: PAYLOAD } }, '/audit/existingSecret'],
    [{ kubeconfig: { existingSecret: PAYLOAD } }, '/kubeconfig/existingSecret'],
    [{ runbooks: { existingConfigMap: PAYLOAD } }, '/runbooks/existingConfigMap'],
    [{ serviceAccount: { name: PAYLOAD } }, '/serviceAccount/name'],
    [{ rbac: { namespaces: [PAYLOAD] } }, '/rbac/namespaces/0'],
    [{ ingress: { className: PAYLOAD } }, '/ingress/className'],
    [{ serviceMonitor: { interval: PAYLOAD } }, '/serviceMonitor/interval'],
    [{ serviceMonitor: { scrapeTimeout: PAYLOAD } }, '/serviceMonitor/scrapeTimeout'],
    [{ podDisruptionBudget: { maxUnavailable: PAYLOAD } }, '/podDisruptionBudget/maxUnavailable'],
    [{ podDisruptionBudget: { minAvailable: PAYLOAD } }, '/podDisruptionBudget/minAvailable'],
    [{ priorityClassName: PAYLOAD }, '/priorityClassName'],
    [{ redis: { auth: { existingSecret: PAYLOAD } } }, '/redis/auth/existingSecret'],
    [{ redis: { external: { existingSecret: 'ext', existingSecretKey: PAYLOAD } } }, '/redis/external/existingSecretKey'],
    [{ redis: { persistence: { size: PAYLOAD } } }, '/redis/persistence/size'],
    [{ redis: { persistence: { storageClass: PAYLOAD } } }, '/redis/persistence/storageClass'],
    [{ redis: { maxmemory: PAYLOAD } }, '/redis/maxmemory'],
    [{ autoscaling: { keda: { externalRedis: { passwordSecret: { name: PAYLOAD, key: 'k' } } } } }, '/autoscaling/keda/externalRedis/passwordSecret/name'],
    [{ autoscaling: { keda: { externalRedis: { passwordSecret: { name: 'n', key: PAYLOAD } } } } }, '/autoscaling/keda/externalRedis/passwordSecret/key'],
  ])('refuses %j in the schema', async (values, path) => {
    await expect(render(MAXIMAL, values)).rejects.toThrow(`at '${path}'`);
  });

  it('still takes the values users write', async () => {
    const r = await render(MAXIMAL, {
      fullnameOverride: 'drover-prod',
      existingSecret: 'drover.credentials',
      audit: { key: '', existingSecret: 'drover-audit' },
      serviceAccount: { name: 'drover-sa' },
      ingress: { className: 'nginx-internal' },
      serviceMonitor: { interval: '1m30s', scrapeTimeout: '10s' },
      podDisruptionBudget: { maxUnavailable: '25%' },
      redis: { persistence: { size: '1.5Gi', storageClass: 'gp3' }, maxmemory: '400mb' },
    });
    expect(r.objects.some((o) => o.metadata.name === 'drover-prod-worker')).toBe(true);
    await expect(render({ redis: { external: { url: EXTERNAL_REDIS_URL, existingSecretKey: 'REDIS_URL' } } })).resolves.toBeDefined();
  });
});
