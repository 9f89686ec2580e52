/** rolloutStatusOf: `kubectl rollout status` as a pure function of the Deployment, in kubectl's words. */
import type { V1Deployment } from '@kubernetes/client-node';
import { rolloutStatusOf } from '../../../src/k8s/rollout-status.js';

function deployment(spec: { replicas?: number; paused?: boolean; generation?: number }, status: Record<string, unknown>): V1Deployment {
  return {
    metadata: { name: 'web', generation: spec.generation ?? 2, annotations: { 'deployment.kubernetes.io/revision': '3' } },
    spec: { replicas: spec.replicas ?? 3, ...(spec.paused ? { paused: true } : {}), selector: {}, template: {} },
    status: { observedGeneration: 2, ...status },
  };
}

test.each([
  ['done', {}, { replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 }, true, 'deployment "web" successfully rolled out'],
  ['spec not yet observed', { generation: 3 }, { replicas: 3, updatedReplicas: 3, availableReplicas: 3 }, false, 'Waiting for deployment spec update to be observed...'],
  [
    'progress deadline exceeded',
    {},
    { replicas: 4, updatedReplicas: 1, availableReplicas: 3, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] },
    false,
    'deployment "web" exceeded its progress deadline',
  ],
  ['new replicas not all updated', {}, { replicas: 4, updatedReplicas: 1, availableReplicas: 3 }, false, 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...'],
  ['old replicas still there', {}, { replicas: 4, updatedReplicas: 3, availableReplicas: 3 }, false, 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...'],
  ['updated but not available', {}, { replicas: 3, updatedReplicas: 3, availableReplicas: 1 }, false, 'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...'],
  [
    'paused half way',
    { paused: true },
    { replicas: 4, updatedReplicas: 1, availableReplicas: 3 },
    false,
    'deployment "web" is paused with its rollout unfinished (1 of 3 updated); resume it to continue',
  ],
  ['paused after finishing', { paused: true }, { replicas: 3, updatedReplicas: 3, availableReplicas: 3 }, true, 'deployment "web" successfully rolled out'],
] as const)('%s', (_name, spec, status, done, message) => {
  const s = rolloutStatusOf(deployment(spec, status));
  expect({ done: s.done, message: s.message, revision: s.revision }).toEqual({ done, message, revision: 3 });
});

test('counts: old replicas are the ones not updated', () => {
  expect(rolloutStatusOf(deployment({}, { replicas: 5, updatedReplicas: 2, readyReplicas: 4, availableReplicas: 4 }))).toMatchObject({ desired: 3, updated: 2, ready: 4, available: 4, old: 3, stuck: false, paused: false });
});
