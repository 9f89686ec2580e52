/**
 * A fleet in separate processes against a real kube-apiserver 1.20: one
 * central `drover serve` (no worker, no Kubernetes credentials at all) and two
 * `drover agent` processes, each under its own Redis ACL user on a Redis of
 * the test's own, each acting with its own ServiceAccount token, bound by RBAC
 * to its own namespace (the "cluster" it lives in). Shipped runbooks run on
 * each agent's cluster only; an agent's credentials cannot reach the other's;
 * a dry run writes nothing; the audit log the central Drover keeps verifies.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { createAgentUser } from '../../src/fleet/acl.js';
import { spawnDrover, runDroverProcess, stopProcess } from '../support/cli-process.js';
import { freePort } from '../support/free-port.js';
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js';
import { ALLOW_ALL_POLICY } from '../support/test-drover.js';
import { waitFor } from '../support/wait-for.js';
import { freshNamespace, useRealKube } from './support.js';

const kube = useRealKube();
const PREFIX = 'fleet';
let redis: PrivateRedis;
let admin: Redis;
let dir: string;
const children: ChildProcess[] = [];
const namespaces: Record<string, string> = {};
let central: Record<string, string>;

function baseEnv(): Record<string, string> {
  return { DROVER_REDIS_PREFIX: PREFIX, DROVER_POLICY: ALLOW_ALL_POLICY, DROVER_SANDBOX: 'off', DROVER_AUDIT_VERIFY_INTERVAL: '0', LOG_LEVEL: 'warn', DROVER_HTTP_HOST: '127.0.0.1' };
}

/** A ServiceAccount bound to `edit` in its namespace only, and a token for it (TokenRequest). */
async function agentToken(namespace: string): Promise<string> {
  const kc = kube().kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'drover-agent' } } });
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  // What the runbooks used here need, in this namespace only (`edit` is aggregated, and no controller aggregates it here).
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name: 'drover-agent' },
      rules: [
        { apiGroups: ['apps'], resources: ['deployments', 'deployments/scale', 'replicasets'], verbs: ['get', 'list', 'watch', 'patch', 'update'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'delete'] },
        { apiGroups: [''], resources: ['events'], verbs: ['get', 'list'] },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'drover-agent' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'drover-agent' },
      subjects: [{ kind: 'ServiceAccount', name: 'drover-agent', namespace }],
    },
  });
  const answer = await core.createNamespacedServiceAccountToken({ namespace, name: 'drover-agent', body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  return answer.status?.token as string;
}

async function seedWeb(namespace: string): Promise<void> {
  await kube()
    .kubeConfig()
    .makeApiClient(AppsV1Api)
    .createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web', labels: { app: 'web' } },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
        },
      },
    });
}

async function startAgent(cluster: string, namespace: string): Promise<void> {
  const user = await createAgentUser(admin, { prefix: PREFIX, cluster });
  await admin.hset(`${PREFIX}:fleet:clusters`, cluster, JSON.stringify({ name: cluster, labels: { tier: 'store' }, createdAt: new Date().toISOString(), user: user.user }));
  const kubeconfig = join(dir, `${cluster}.kubeconfig`);
  writeFileSync(kubeconfig, kube().kubeConfigYaml(await agentToken(namespace), cluster));
  const url = new URL(redis.url);
  url.username = encodeURIComponent(user.user);
  url.password = encodeURIComponent(user.password);
  const port = await freePort();
  const child = spawnDrover(['agent', '--cluster', cluster], { ...baseEnv(), REDIS_URL: url.toString(), KUBECONFIG: kubeconfig, PORT: String(port) });
  children.push(child);
  let output = '';
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok, `agent ${cluster} to be ready (${output.slice(-2000)})`, 60_000);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'drover-fleet-'));
  redis = await startPrivateRedis();
  admin = new Redis(redis.url);
  central = { ...baseEnv(), REDIS_URL: redis.url };
  const port = await freePort();
  const serve = spawnDrover(['serve', '--no-worker'], { ...central, PORT: String(port) });
  children.push(serve);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok, 'central drover serve', 60_000);
  for (const cluster of ['kube-a', 'kube-b']) {
    namespaces[cluster] = await freshNamespace(kube(), cluster);
    await seedWeb(namespaces[cluster]);
    await startAgent(cluster, namespaces[cluster]);
  }
}, 180_000);

afterAll(async () => {
  for (const child of children) await stopProcess(child, 'SIGTERM', 10_000);
  admin?.disconnect();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

const drover = (args: string[]) => runDroverProcess(args, central, 90_000);
const deployment = (namespace: string) => kube().kubeConfig().makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace, name: 'web' });

it('runs shipped runbooks on each agent’s own cluster only', async () => {
  const a = namespaces['kube-a'] as string;
  const b = namespaces['kube-b'] as string;
  const restart = await drover(['run', 'restart-deployment', '--cluster', 'kube-a', `namespace=${a}`, 'deployment=web', '--wait']);
  expect(restart.out).toMatch(/Run kube-a\.r\w+ succeeded/);
  expect(restart.code).toBe(0);
  const scale = await drover(['run', 'scale-deployment', '--cluster', 'kube-b', `namespace=${b}`, 'deployment=web', 'replicas=3', '--wait']);
  expect(scale.out).toMatch(/Run kube-b\.r\w+ succeeded/);
  expect(scale.code).toBe(0);

  const webA = await deployment(a);
  const webB = await deployment(b);
  expect(webA.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeDefined();
  expect(webA.spec?.replicas).toBe(2);
  expect(webB.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeUndefined();
  expect(webB.spec?.replicas).toBe(3);
}, 120_000);

it('an agent’s credentials do not reach another cluster’s objects: its run there is forbidden', async () => {
  const b = namespaces['kube-b'] as string;
  const before = (await deployment(b)).metadata?.resourceVersion;
  const across = await drover(['run', 'restart-deployment', '--cluster', 'kube-a', `namespace=${b}`, 'deployment=web', '--wait']);
  expect(across.code).not.toBe(0);
  expect(across.out + across.err).toMatch(/forbidden|not allowed|k8s_forbidden/i);
  expect((await deployment(b)).metadata?.resourceVersion).toBe(before);
}, 120_000);

it('a dry run of delete-pod on an agent writes nothing on the real server', async () => {
  const a = namespaces['kube-a'] as string;
  const core = kube().kubeConfig().makeApiClient(CoreV1Api);
  const pod = await waitFor(async () => (await core.listNamespacedPod({ namespace: a })).items[0], 'a pod of web (the controllers make it)', 30_000);
  const dry = await drover(['run', 'delete-pod', '--cluster', 'kube-a', `namespace=${a}`, `pod=${pod.metadata?.name}`, '--dry-run', '--wait']);
  expect(dry.out).toMatch(/succeeded/);
  const still = await core.readNamespacedPod({ namespace: a, name: pod.metadata?.name as string });
  expect(still.metadata?.uid).toBe(pod.metadata?.uid);
  expect(still.metadata?.deletionTimestamp).toBeUndefined();
}, 120_000);

it('the central audit log holds the agents’ work, relayed, and verifies', async () => {
  const tail = await waitFor(async () => {
    const t = await drover(['audit', 'tail', '-n', '200']);
    return /k8s\.mutation.*kube-b|kube-b.*k8s\.mutation/.test(t.out) ? t : undefined;
  }, 'the relayed mutations', 30_000);
  expect(tail.out).toMatch(/kube-a/);
  const verify = await drover(['audit', 'verify']);
  expect(verify.out).toMatch(/Audit log intact/);
  expect(verify.code).toBe(0);
}, 60_000);
