import { briefPod, deletionDiff, objectDiff, withoutNoise } from '../../../src/k8s/plan-diff.js';

const before = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: 'u-1',
    resourceVersion: '41',
    generation: 3,
    creationTimestamp: new Date('2024-01-01T00:00:00Z'),
    managedFields: [{ manager: 'kubectl' }],
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"huge":true}' },
    labels: { app: 'web' },
  },
  spec: { replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } } },
  status: { replicas: 3, readyReplicas: 3 },
};

describe('plan diffs', () => {
  test('strips status, managedFields, resourceVersion, generation, uid, creationTimestamp and last-applied', () => {
    expect(withoutNoise(before)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
      spec: before.spec,
    });
  });

  test('a unified YAML diff of what changed, labelled with the object and dry run', () => {
    const after = { ...before, metadata: { ...before.metadata, resourceVersion: '42', generation: 4 }, spec: { ...before.spec, replicas: 5 }, status: { replicas: 5 } };
    const diff = objectDiff('Deployment shop/web', before, after, true);
    expect(diff).toContain('--- Deployment shop/web\tbefore');
    expect(diff).toContain('+++ Deployment shop/web\tafter (dry run)');
    expect(diff).toContain('-  replicas: 3\n+  replicas: 5');
    expect(diff).not.toContain('resourceVersion');
    expect(diff).not.toContain('readyReplicas');
  });

  test('no change (noise only) is an empty diff', () => {
    const after = { ...before, metadata: { ...before.metadata, resourceVersion: '99' }, status: { replicas: 1 } };
    expect(objectDiff('Deployment shop/web', before, after, false)).toBe('');
  });

  test('a deleted pod shows as the brief that identifies it, all removed lines', () => {
    const pod = {
      metadata: { name: 'web-1', namespace: 'shop', uid: 'p-1', ownerReferences: [{ kind: 'ReplicaSet', name: 'web-abc' }] },
      spec: { nodeName: 'node-a', containers: [{ name: 'web', image: 'nginx:1.27', env: [{ name: 'SECRET_REF' }] }] },
      status: { phase: 'Running' },
    };
    expect(briefPod(pod)).toEqual({
      kind: 'Pod',
      name: 'web-1',
      namespace: 'shop',
      uid: 'p-1',
      ownedBy: ['ReplicaSet/web-abc'],
      node: 'node-a',
      phase: 'Running',
      containers: [{ name: 'web', image: 'nginx:1.27' }],
    });
    const diff = deletionDiff('Pod shop/web-1', pod, false);
    expect(diff).toContain('-uid: p-1');
    expect(diff).toContain('-node: node-a');
    expect(diff).not.toMatch(/^\+[^+]/m);
    expect(diff).not.toContain('SECRET_REF');
  });

  test('a bare pod says it will not come back', () => {
    expect(briefPod({ metadata: { name: 'debug' }, spec: {}, status: {} })).toMatchObject({ ownedBy: expect.stringContaining('bare pod') as unknown });
  });
});
