import { deploymentPath, REVISION, type RunbookCase } from './case.js';

export const rollbackDeployment: RunbookCase = {
  runbook: 'rollback-deployment',
  async seed(s) {
    await s.twoRevisions('web', 2);
    const ns = s.namespace;
    return {
      params: { namespace: ns, deployment: 'web' },
      target: { path: deploymentPath(ns, 'web'), label: `Deployment ${ns}/web` },
      // The template of revision 1 comes back; the controller numbers it revision 3.
      effect: { kind: 'patch', fields: ['spec.template.spec.containers["0"].image'], controllerFields: [REVISION] },
      firstRead: deploymentPath(ns, 'web'),
      write: { method: 'PATCH', path: deploymentPath(ns, 'web') },
      reports: {
        dry: [/^Would roll back .*\/web: revision 2 → 1 \(ReplicaSet web-\w+\)\.$/],
        real: [/^Rolled back .*\/web: revision 2 → 1 \(ReplicaSet web-\w+\)\.$/],
      },
    };
  },
  missing: (ns) => ({ params: { namespace: ns, deployment: 'absent' }, path: deploymentPath(ns, 'absent') }),
  refusals: [
    {
      why: 'a deployment with no previous revision',
      async seed(s) {
        await s.deployment('web', 1);
        return { params: { namespace: s.namespace, deployment: 'web' }, message: /has no previous revision to roll back to \(revision history: 1\)/ };
      },
    },
    {
      why: 'a paused deployment',
      async seed(s) {
        await s.twoRevisions('web', 1);
        await s.pause('web');
        return { params: { namespace: s.namespace, deployment: 'web' }, message: /is paused; resume it before rolling back/ };
      },
    },
  ],
};
