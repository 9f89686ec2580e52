/**
 * K8sOps mutations against the fake: dry run, diffs, content types, the
 * controller's reaction, idempotency, and onMutation reports.
 */
import { RunbookRefusal, type DroverError } from '../../../src/errors.js';
import { createK8sOps } from '../../../src/k8s/ops.js';
import type { K8sHooks, K8sOps, MutationRecord, PlannedChange } from '../../../src/k8s/types.js';
import { startK8sFake, type K8sFake, type KubeObject } from '../../../src/testing/index.js';
import { deployment, field, namespace, node } from './fake-helpers.js';

let fake: K8sFake;
let mutations: { record: MutationRecord; change: PlannedChange | undefined }[];
let hooks: K8sHooks;

beforeEach(async () => {
  fake = await startK8sFake();
  fake.seed(namespace('demo'), node('node-a'), node('node-b'), deployment('web', { replicas: 3, image: 'nginx:1.26' }));
  mutations = [];
  hooks = {
    onMutation: async (record, change) => {
      await Promise.resolve();
      mutations.push({ record, change });
    },
  };
});

afterEach(async () => {
  await fake.stop();
});

function ops(dryRun: boolean): K8sOps {
  return createK8sOps({ cluster: 'test', kubeConfig: fake.kubeConfig(), dryRun, hooks, now: () => new Date('2025-03-04T05:06:07.890Z') });
}

const revisions = (): string[] =>
  fake.list('replicasets', 'demo', { labelSelector: 'app=web' }).map((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '').sort();

describe('scale', () => {
  test('a dry-run scale returns the would-be Scale, changes nothing, and was sent with dryRun=All', async () => {
    const rv = fake.resourceVersion();
    const change = await ops(true).scaleDeployment('demo', 'web', 5);
    expect(change).toMatchObject({ verb: 'patch', kind: 'Deployment/scale', namespace: 'demo', name: 'web', dryRun: true, summary: 'scale Deployment demo/web: replicas 3 → 5' });
    expect(change.diff).toContain('-  replicas: 3\n+  replicas: 5');
    expect(change.diff).toContain('after (dry run)');
    expect(field(fake.get('deployments', 'demo', 'web'), 'spec', 'replicas')).toBe(3);
    expect(fake.resourceVersion()).toBe(rv);
    const patch = fake.requests.find((r) => r.method === 'PATCH');
    expect(patch).toMatchObject({
      path: '/apis/apps/v1/namespaces/demo/deployments/web/scale',
      query: { dryRun: 'All' },
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 5 } },
    });
    expect(fake.requests.filter((r) => r.method === 'GET').every((r) => r.query.dryRun === undefined)).toBe(true);
  });

  test('a real scale changes replicas through the subresource and reports the mutation', async () => {
    const change = await ops(false).scaleDeployment('demo', 'web', 1);
    expect(change.dryRun).toBe(false);
    expect(field(fake.get('deployments', 'demo', 'web'), 'spec', 'replicas')).toBe(1);
    expect(fake.requests.some((r) => r.method === 'PATCH' && r.query.dryRun !== undefined)).toBe(false);
    expect(mutations).toEqual([
      {
        record: { cluster: 'test', verb: 'patch', kind: 'Deployment/scale', namespace: 'demo', name: 'web', dryRun: false, outcome: 'succeeded', status: 200 },
        change,
      },
    ]);
  });
});

describe('restart', () => {
  test('stamps restartedAt with a strategic merge patch; the controller makes a new ReplicaSet revision', async () => {
    const change = await ops(false).restartDeployment('demo', 'web');
    expect(change.summary).toBe('restart Deployment demo/web');
    expect(change.diff).toContain('+        kubectl.kubernetes.io/restartedAt: 2025-03-04T05:06:07Z');
    const patch = fake.requests.find((r) => r.method === 'PATCH');
    expect(patch?.contentType).toBe('application/strategic-merge-patch+json');
    expect(patch?.body).toEqual({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-03-04T05:06:07Z' } } } } });
    expect(field(fake.get('deployments', 'demo', 'web'), 'spec', 'template', 'metadata', 'annotations')).toEqual({
      'kubectl.kubernetes.io/restartedAt': '2025-03-04T05:06:07Z',
    });
    expect(revisions()).toEqual(['1', '2']);
    expect(fake.get('deployments', 'demo', 'web')?.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
  });

  test('the same restartedAt again is a no-op: no new revision, an empty diff', async () => {
    await ops(false).restartDeployment('demo', 'web', { restartedAt: '2025-01-01T00:00:00Z' });
    const again = await ops(false).restartDeployment('demo', 'web', { restartedAt: '2025-01-01T00:00:00Z' });
    expect(again.diff).toBe('');
    expect(again.summary).toContain('no change');
    expect(revisions()).toEqual(['1', '2']);
  });

  test('a dry-run restart shows the diff but creates no ReplicaSet', async () => {
    const change = await ops(true).restartDeployment('demo', 'web');
    expect(change.diff).toContain('restartedAt');
    expect(revisions()).toEqual(['1']);
  });
});

describe('rollback', () => {
  function setImage(image: string): void {
    const d = fake.get('deployments', 'demo', 'web') as KubeObject;
    const spec = d.spec as { template: { spec: { containers: { image: string }[] } } };
    const first = spec.template.spec.containers[0];
    if (first) first.image = image;
    fake.seed(d);
  }

  test('returns to the previous template; the controller reuses its ReplicaSet', async () => {
    setImage('nginx:1.27');
    expect(revisions()).toEqual(['1', '2']);
    const change = await ops(false).rollbackDeployment('demo', 'web');
    expect(change.summary).toMatch(/^rollback Deployment demo\/web: revision 2 → 1 \(ReplicaSet web-[a-z0-9]+\)$/);
    expect(change.diff).toMatch(/^-\s+- image: nginx:1\.27$/m);
    expect(change.diff).toMatch(/^\+\s+- image: nginx:1\.26$/m);
    expect(field(fake.get('deployments', 'demo', 'web'), 'spec', 'template', 'spec', 'containers', 0, 'image')).toBe('nginx:1.26');
    expect(field(fake.get('deployments', 'demo', 'web'), 'spec', 'template', 'metadata', 'labels')).toEqual({ app: 'web' });
    expect(revisions()).toEqual(['2', '3']);
    const patch = fake.requests.find((r) => r.method === 'PATCH');
    expect(patch?.contentType).toBe('application/json-patch+json');
  });

  test('toRevision picks an older revision; a dry run changes nothing', async () => {
    setImage('nginx:1.27');
    setImage('nginx:1.28');
    const change = await ops(true).rollbackDeployment('demo', 'web', { toRevision: 1 });
    expect(change.summary).toContain('revision 3 → 1');
    expect(change.diff).toMatch(/^\+\s+- image: nginx:1\.26$/m);
    expect(field(fake.get('deployments', 'demo', 'web'), 'spec', 'template', 'spec', 'containers', 0, 'image')).toBe('nginx:1.28');
  });

  test('no previous revision is a refusal, reported as a failed mutation', async () => {
    const err = await ops(false).rollbackDeployment('demo', 'web').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunbookRefusal);
    expect((err as DroverError).retryable).toBe(false);
    expect((err as DroverError).message).toMatch(/no previous revision/);
    expect(mutations[0]?.record).toMatchObject({ outcome: 'failed', errorCode: 'runbook_refused' });
    expect(fake.requests.some((r) => r.method === 'PATCH')).toBe(false);
  });
});

describe('deletePod', () => {
  let pods: KubeObject[];
  beforeEach(() => {
    pods = fake.seedPodsFor('demo', 'web', 2);
  });

  test('the right uid deletes, with the uid precondition in DeleteOptions', async () => {
    const [pod] = pods as [KubeObject];
    const change = await ops(false).deletePod('demo', pod.metadata.name ?? '', { uid: pod.metadata.uid ?? '', gracePeriodSeconds: 5 });
    expect(change).toMatchObject({ verb: 'delete', kind: 'Pod', alreadyGone: false, summary: `delete Pod demo/${pod.metadata.name} (grace period 5s)` });
    expect(change.diff).toContain(`-uid: ${pod.metadata.uid}`);
    expect(fake.get('pods', 'demo', pod.metadata.name ?? '')).toBeUndefined();
    expect(fake.requests.find((r) => r.method === 'DELETE')?.body).toMatchObject({ preconditions: { uid: pod.metadata.uid }, gracePeriodSeconds: 5 });
  });

  test('a stale uid is reported as alreadyGone, and the pod now holding the name is kept', async () => {
    const [pod] = pods as [KubeObject];
    const change = await ops(false).deletePod('demo', pod.metadata.name ?? '', { uid: 'uid-of-a-pod-long-gone' });
    expect(change.alreadyGone).toBe(true);
    expect(change.summary).toContain('already gone');
    expect(fake.get('pods', 'demo', pod.metadata.name ?? '')).toBeDefined();
    expect(mutations[0]?.record).toMatchObject({ outcome: 'succeeded', status: 409 });
  });

  test('a missing pod is alreadyGone; a dry run keeps the pod and sends dryRun: ["All"] in DeleteOptions', async () => {
    expect((await ops(false).deletePod('demo', 'web-nothere-xxxxx')).alreadyGone).toBe(true);
    const [, pod] = pods as [KubeObject, KubeObject];
    const change = await ops(true).deletePod('demo', pod.metadata.name ?? '');
    expect(change).toMatchObject({ alreadyGone: false, dryRun: true });
    expect(fake.get('pods', 'demo', pod.metadata.name ?? '')).toBeDefined();
    // The real API server reads a DELETE's options from its body alone; a query parameter would be ignored.
    const sent = fake.requests.find((r) => r.method === 'DELETE');
    expect(sent?.body).toMatchObject({ dryRun: ['All'] });
    expect(sent?.query.dryRun).toBeUndefined();
  });
});

describe('cordon', () => {
  test('cordon and uncordon patch spec.unschedulable strategically, and skip when already there', async () => {
    const k8s = ops(false);
    const cordon = await k8s.cordonNode('node-a');
    expect(cordon).toMatchObject({ kind: 'Node', name: 'node-a', summary: 'cordon Node node-a' });
    expect(cordon.namespace).toBeUndefined();
    expect(cordon.diff).toContain('+  unschedulable: true');
    expect(fake.requests.find((r) => r.method === 'PATCH')).toMatchObject({
      path: '/api/v1/nodes/node-a',
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { unschedulable: true } },
    });
    expect(field(fake.get('nodes', undefined, 'node-a'), 'spec', 'unschedulable')).toBe(true);
    fake.clearRequests();
    expect((await k8s.cordonNode('node-a')).summary).toContain('already cordoned');
    expect(fake.requests.some((r) => r.method === 'PATCH')).toBe(false);
    const uncordon = await k8s.uncordonNode('node-a');
    expect(uncordon.diff).toContain('-  unschedulable: true');
    expect(field(fake.get('nodes', undefined, 'node-a'), 'spec', 'unschedulable')).toBeUndefined();
  });
});
