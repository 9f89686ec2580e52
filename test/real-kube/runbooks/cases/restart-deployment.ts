import { deploymentPath, RESTARTED_AT, REVISION, type RunbookCase } from './case.js';

export const restartDeployment: RunbookCase = {
  runbook: 'restart-deployment',
  async seed(s) {
    await s.deployment('api', 2);
    const ns = s.namespace;
    return {
      params: { namespace: ns, deployment: 'api' },
      target: { path: deploymentPath(ns, 'api'), label: `Deployment ${ns}/api` },
      effect: { kind: 'patch', fields: [RESTARTED_AT], stamped: [RESTARTED_AT], controllerFields: [REVISION] },
      firstRead: deploymentPath(ns, 'api'),
      write: { method: 'PATCH', path: deploymentPath(ns, 'api') },
      reports: { dry: [/^Would restart .*\/api \(2 replicas\)\.$/], real: [/^Restarted .*\/api: 2 replicas are being replaced\.$/] },
    };
  },
  missing: (ns) => ({ params: { namespace: ns, deployment: 'absent' }, path: deploymentPath(ns, 'absent') }),
  refusals: [],
};
