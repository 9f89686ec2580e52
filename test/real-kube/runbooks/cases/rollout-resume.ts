import { deploymentPath, type RunbookCase } from './case.js';

export const rolloutResume: RunbookCase = {
  runbook: 'rollout-resume',
  async seed(s) {
    await s.deployment('web', 2);
    await s.pause('web');
    const ns = s.namespace;
    return {
      params: { namespace: ns, deployment: 'web' },
      target: { path: deploymentPath(ns, 'web'), label: `Deployment ${ns}/web` },
      effect: { kind: 'patch', fields: ['spec.paused'] },
      firstRead: deploymentPath(ns, 'web'),
      write: { method: 'PATCH', path: deploymentPath(ns, 'web') },
      reports: { dry: [/^Would resume the rollout of .*\/web \(revision 1, 2\/2 updated\)\.$/], real: [/^Resumed the rollout of .*\/web \(revision 1, 2\/2 updated\)\.$/] },
    };
  },
  missing: (ns) => ({ params: { namespace: ns, deployment: 'absent' }, path: deploymentPath(ns, 'absent') }),
  refusals: [],
};
