import { deploymentPath, type RunbookCase } from './case.js';

export const rolloutStatus: RunbookCase = {
  runbook: 'rollout-status',
  async seed(s) {
    await s.deployment('web', 2);
    const ns = s.namespace;
    // No kubelet: the pods never become available, so the rollout waits on them, in kubectl's words.
    const report = /^.*\/web: Waiting for deployment "web" rollout to finish: 0 of 2 updated replicas are available\.\.\. \(revision 1: 2\/2 updated, 0 ready, 0 available\)\.$/;
    return { params: { namespace: ns, deployment: 'web' }, effect: { kind: 'none' }, firstRead: deploymentPath(ns, 'web'), reports: { dry: [report], real: [report] } };
  },
  missing: (ns) => ({ params: { namespace: ns, deployment: 'absent' }, path: deploymentPath(ns, 'absent') }),
  refusals: [],
};
