/**
 * The chart's least-privilege RBAC is enough, on a real server: the real Helm
 * renders the chart, its ServiceAccount, ClusterRole and binding are created
 * on a real 1.20 API server, and Drover, holding that ServiceAccount's token,
 * runs every shipped runbook for real. A rule the chart forgot is a 403 here;
 * a rule it grants beyond that is checked by the chart tests' rule list.
 */
import { CoreV1Api, KubernetesObjectApi } from '@kubernetes/client-node';
import { CASES } from '../runbooks/cases/index.js';
import { drive } from '../runbooks/drive.js';
import { Seeder } from '../runbooks/seed.js';
import { buildDroverOn, type ClusterDrover } from '../../support/test-drover.js';
import { freshNamespace, useRealKube } from '../support.js';
import { helmTemplate } from './helm.js';

const kube = useRealKube();
let drover: ClusterDrover;
let serviceAccount: string;
let token: string;

beforeAll(async () => {
  const kc = kube().kubeConfig();
  const namespace = await freshNamespace(kube(), 'drover');
  const objects = await helmTemplate({ release: 'drover', kubeVersion: '1.20.2', namespace, values: {} });
  const rbac = objects.filter((o) => ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind));
  expect(rbac.map((o) => o.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'ServiceAccount']);
  const client = KubernetesObjectApi.makeApiClient(kc);
  for (const object of rbac) await client.create({ ...object, metadata: { ...object.metadata, namespace } });
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
  const scenario = await c.seed(new Seeder(kube(), await freshNamespace(kube(), 'rbac')));
  const run = await drive(drover, c.runbook, scenario.params, { dryRun: false });
  expect({ state: run.run.state, error: run.run.error?.message }).toEqual({ state: 'succeeded', error: undefined });
}, 120_000);

test('control: the same token is refused what the chart does not grant (reading Secrets)', async () => {
  await expect(kube().kubeConfig(token).makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: 'kube-system' })).rejects.toMatchObject({ code: 403 });
});
