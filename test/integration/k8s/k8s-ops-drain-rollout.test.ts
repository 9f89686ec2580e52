/**
 * ctx.k8s drains and rollouts against the fake (both the 1.31 default and
 * the 1.20 emulation, whose Eviction is policy/v1beta1): the node's pods
 * sorted as kubectl drain sorts them, evictions that honour a
 * PodDisruptionBudget (429 comes back as `blocked`), dry-run evictions that
 * change nothing, and rollout pause/resume/status. The real server answers
 * the same (test/real-kube/conformance/cases/evictions.ts).
 */
import { createK8sOps } from '../../../src/k8s/ops.js';
import type { K8sOps } from '../../../src/k8s/types.js';
import { startK8sFake, type K8sFake } from '../../../src/testing/index.js';

const NODE = 'node-1';

function pod(name: string, extra: { owner?: string; ownerKind?: string; labels?: Record<string, string>; emptyDir?: boolean; mirror?: boolean; phase?: string } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'shop',
      labels: extra.labels ?? { app: 'web' },
      ...(extra.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'abc' } } : {}),
      ...(extra.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: extra.ownerKind ?? 'ReplicaSet', name: extra.owner, uid: `uid-${extra.owner}`, controller: true }] } : {}),
    },
    spec: { nodeName: NODE, containers: [{ name: 'main', image: 'web:1' }], ...(extra.emptyDir ? { volumes: [{ name: 'cache', emptyDir: {} }] } : {}) },
    status: { phase: extra.phase ?? 'Running' },
  };
}

const pdb = (allowed: number, version: string) => ({
  apiVersion: `policy/${version}`,
  kind: 'PodDisruptionBudget',
  metadata: { name: 'web', namespace: 'shop', generation: 1 },
  spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
  status: { observedGeneration: 1, disruptionsAllowed: allowed, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 },
});

describe.each([['1.31', 'v1'] as const, ['1.20', 'v1beta1'] as const])('on the fake as Kubernetes %s (policy/%s)', (version, policy) => {
  let fake: K8sFake;
  const ops = (dryRun = false): K8sOps => createK8sOps({ cluster: 'test', kubeConfig: fake.kubeConfig(), dryRun });

  beforeEach(async () => {
    // No controllers, as kube-apiserver alone: the budgets keep the status each test gives them.
    fake = await startK8sFake({ kubernetesVersion: version, keepTerminatingPods: true, controllers: false });
    fake.seed(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
      { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE } },
      pod('web-1', { owner: 'web-rs' }),
      pod('web-2', { owner: 'web-rs' }),
      pod('agent-x', { owner: 'agent', ownerKind: 'DaemonSet', labels: { app: 'agent' } }),
      pod('static-x', { mirror: true, labels: { app: 'static' } }),
      pod('lonely', { labels: { app: 'lonely' } }),
      pod('cache-1', { owner: 'cache-rs', emptyDir: true, labels: { app: 'cache' } }),
      pod('done-1', { owner: 'batch', ownerKind: 'Job', phase: 'Succeeded', labels: { app: 'batch' } }),
    );
  });

  afterEach(async () => {
    await fake.stop();
  });

  test('planDrain sorts the node\'s pods as kubectl drain does', async () => {
    const plan = await ops().planDrain(NODE);
    expect(plan.evict.map((p) => p.name)).toEqual(['web-1', 'web-2']);
    expect(plan.skip.map((p) => [p.name, p.reason])).toEqual([
      ['agent-x', 'managed by DaemonSet/agent (it would be recreated on this node)'],
      ['done-1', 'already finished (Succeeded)'],
      ['static-x', 'mirror pod of a static pod (the kubelet owns it)'],
    ]);
    expect(plan.refuse.map((p) => p.name)).toEqual(['cache-1', 'lonely']);
    expect(fake.requests.find((r) => r.path === '/api/v1/pods')?.query.fieldSelector).toBe(`spec.nodeName=${NODE}`);
    const forced = await ops().planDrain(NODE, { force: true, deleteEmptyDirData: true });
    expect(forced.evict.map((p) => p.name)).toEqual(['cache-1', 'lonely', 'web-1', 'web-2']);
  });

  test('an eviction a budget allows: the pod terminates and the budget records it; a dry run changes nothing', async () => {
    fake.seed(pdb(1, policy));
    const uid = fake.get('pods', 'shop', 'web-1')!.metadata.uid!;
    const dry = await ops(true).evictPod('shop', 'web-1', { uid });
    expect(dry).toMatchObject({ outcome: 'evicted', change: { verb: 'create', kind: 'Pod/eviction', dryRun: true, summary: 'evict Pod shop/web-1' } });
    expect(dry.outcome === 'evicted' && dry.change.diff).toMatch(/after \(dry run\): deleted/);
    expect(fake.get('pods', 'shop', 'web-1')!.metadata.deletionTimestamp).toBeUndefined();
    expect(fake.get('poddisruptionbudgets', 'shop', 'web')!.status).toMatchObject({ disruptionsAllowed: 1 });
    const post = fake.requests.find((r) => r.method === 'POST' && r.path.endsWith('/eviction'))!;
    expect(post.query.dryRun).toBe('All');
    expect(post.body).toMatchObject({ apiVersion: `policy/${policy}`, kind: 'Eviction', deleteOptions: { dryRun: ['All'], preconditions: { uid } } });

    expect(await ops().evictPod('shop', 'web-1', { uid })).toMatchObject({ outcome: 'evicted' });
    expect(fake.get('pods', 'shop', 'web-1')!.metadata.deletionTimestamp).toBeDefined();
    expect(fake.get('poddisruptionbudgets', 'shop', 'web')!.status).toMatchObject({ disruptionsAllowed: 0, disruptedPods: { 'web-1': expect.any(String) as unknown } });
  });

  test('a budget with no disruption left blocks it (429), with the server\'s reason; nothing changes', async () => {
    fake.seed(pdb(0, policy));
    for (const dryRun of [true, false]) {
      expect(await ops(dryRun).evictPod('shop', 'web-2')).toEqual({ outcome: 'blocked', reason: 'The disruption budget web needs 1 healthy pods and has 2 currently' });
    }
    expect(fake.get('pods', 'shop', 'web-2')!.metadata.deletionTimestamp).toBeUndefined();
  });

  test('a pod that is gone, or replaced under the same name, is `gone`', async () => {
    expect(await ops().evictPod('shop', 'absent')).toMatchObject({ outcome: 'gone', change: { summary: 'evict Pod shop/absent: already gone' } });
    expect(await ops().evictPod('shop', 'web-2', { uid: 'another-uid' })).toMatchObject({ outcome: 'gone' });
    expect(fake.get('pods', 'shop', 'web-2')!.metadata.deletionTimestamp).toBeUndefined();
  });
});

describe('with the controllers: the disruption controller keeps the budget\'s status, so a drain proceeds as replacements become ready', () => {
  test('each eviction takes the one disruption allowed; the replacement gives it back', async () => {
    const fake = await startK8sFake({ managePods: true });
    try {
      fake.seed(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
        { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE } },
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web', namespace: 'shop' },
          spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { nodeName: NODE, containers: [{ name: 'main', image: 'web:1' }] } } },
        },
      );
      const ops = createK8sOps({ cluster: 'test', kubeConfig: fake.kubeConfig(), dryRun: false });
      await ops.apply({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'shop' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } });
      const status = () => fake.get('poddisruptionbudgets', 'shop', 'web')!.status;
      expect(status()).toEqual({ observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 });
      const pods = fake.list('pods', 'shop').map((p) => p.metadata.name!);
      for (const name of pods.slice(0, 2)) expect(await ops.evictPod('shop', name)).toMatchObject({ outcome: 'evicted' });
      expect(status()).toMatchObject({ disruptionsAllowed: 1, currentHealthy: 3, expectedPods: 3 });
    } finally {
      await fake.stop();
    }
  });
});

describe('rollouts', () => {
  let fake: K8sFake;
  beforeAll(async () => {
    fake = await startK8sFake();
    fake.seed(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'shop' },
        spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'main', image: 'web:1' }] } } },
      },
    );
  });
  afterAll(async () => {
    await fake.stop();
  });
  const ops = (dryRun = false): K8sOps => createK8sOps({ cluster: 'test', kubeConfig: fake.kubeConfig(), dryRun });

  test('pause and resume set spec.paused, with a diff; no request when already there', async () => {
    const dry = await ops(true).pauseDeployment('shop', 'web');
    expect(dry.summary).toBe('pause Deployment shop/web');
    expect(dry.diff).toMatch(/\+ {2}paused: true/);
    expect((await ops().rolloutStatus('shop', 'web')).paused).toBe(false);
    await ops().pauseDeployment('shop', 'web');
    expect((await ops().rolloutStatus('shop', 'web')).paused).toBe(true);
    expect((await ops().pauseDeployment('shop', 'web')).summary).toBe('pause Deployment shop/web: already paused (no change)');
    const resumed = await ops().resumeDeployment('shop', 'web');
    expect(resumed.diff).toMatch(/- {2}paused: true/);
    expect(fake.get('deployments', 'shop', 'web')!.spec).not.toHaveProperty('paused');
  });

  test('rolloutStatus says a finished rollout is done, in kubectl\'s words', async () => {
    const status = await ops().rolloutStatus('shop', 'web');
    expect(status).toMatchObject({ done: true, desired: 2, message: 'deployment "web" successfully rolled out' });
  });
});
