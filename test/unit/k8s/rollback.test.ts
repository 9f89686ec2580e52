import type { V1Deployment, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import { RunbookRefusal } from '../../../src/errors.js';
import { planRollback, rollbackPatch, selectorToString } from '../../../src/k8s/rollback.js';

const uid = 'dep-uid';

function template(image: string, hash?: string): V1PodTemplateSpec {
  return { metadata: { labels: { app: 'web', ...(hash ? { 'pod-template-hash': hash } : {}) } }, spec: { containers: [{ name: 'web', image }] } };
}

function rs(name: string, revision: number, image: string, ownerUid = uid): V1ReplicaSet {
  return {
    metadata: {
      name,
      annotations: { 'deployment.kubernetes.io/revision': String(revision) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: ownerUid, controller: true }],
    },
    spec: { selector: { matchLabels: { app: 'web' } }, template: template(image, name.split('-')[1]) },
  };
}

function deployment(image: string, revision: number, paused = false): V1Deployment {
  return {
    metadata: { name: 'web', namespace: 'shop', uid, resourceVersion: '77', annotations: { 'deployment.kubernetes.io/revision': String(revision) } },
    spec: { paused, selector: { matchLabels: { app: 'web' } }, template: template(image) },
  };
}

const history = [rs('web-aaa', 1, 'nginx:1.25'), rs('web-bbb', 2, 'nginx:1.26'), rs('web-ccc', 3, 'nginx:1.27'), rs('other-ddd', 9, 'x', 'someone-else')];

describe('planRollback', () => {
  test('defaults to the previous revision, template without the pod-template-hash label', () => {
    const plan = planRollback(deployment('nginx:1.27', 3), history);
    expect(plan).toMatchObject({ fromRevision: 3, toRevision: 2, replicaSet: 'web-bbb', alreadyThere: false });
    expect(plan.template).toEqual({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } });
  });

  test('toRevision picks that revision; ReplicaSets owned by others are ignored', () => {
    expect(planRollback(deployment('nginx:1.27', 3), history, 1)).toMatchObject({ toRevision: 1, replicaSet: 'web-aaa' });
    expect(() => planRollback(deployment('nginx:1.27', 3), history, 9)).toThrow(RunbookRefusal);
  });

  test('refuses when there is no previous revision', () => {
    expect(() => planRollback(deployment('nginx:1.27', 3), [history[2]!])).toThrow(/no previous revision to roll back to/);
  });

  test('refuses a paused deployment, as kubectl does', () => {
    expect(() => planRollback(deployment('nginx:1.27', 3, true), history)).toThrow(/is paused/);
  });

  test('notices when the deployment already runs the target template', () => {
    expect(planRollback(deployment('nginx:1.26', 3), history).alreadyThere).toBe(true);
  });
});

describe('rollbackPatch', () => {
  test('replaces spec.template wholesale and pins the resourceVersion read (optimistic lock)', () => {
    expect(rollbackPatch('77', { spec: {} })).toEqual([
      { op: 'replace', path: '/metadata/resourceVersion', value: '77' },
      { op: 'replace', path: '/spec/template', value: { spec: {} } },
    ]);
  });

  test('selectorToString renders matchLabels and expressions', () => {
    expect(selectorToString({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['a', 'b'] }] })).toBe(
      'app=web,env in (a,b)',
    );
  });
});
