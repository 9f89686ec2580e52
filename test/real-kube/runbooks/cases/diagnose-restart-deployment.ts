import { deploymentPath, RESTARTED_AT, REVISION, type RunbookCase } from './case.js';

export const diagnoseRestartDeployment: RunbookCase = {
  runbook: 'diagnose-restart-deployment',
  async seed(s) {
    const { deployment } = await s.deployment('api', 2);
    await s.event({ kind: 'Deployment', name: 'api', uid: deployment.metadata!.uid!, apiVersion: 'apps/v1' }, 'Warning', 'SeededMismatch', 'replicas not available');
    const ns = s.namespace;
    const diagnosis = [/^.*\/api: 0\/2 replicas available, 2 pods\.\nNot ready: api-\S+ \(Pending\); api-\S+ \(Pending\)\nRecent warnings: SeededMismatch: replicas not available$/];
    return {
      params: { namespace: ns, deployment: 'api' },
      target: { path: deploymentPath(ns, 'api'), label: `Deployment ${ns}/api` },
      effect: { kind: 'patch', fields: [RESTARTED_AT], stamped: [RESTARTED_AT], controllerFields: [REVISION] },
      firstRead: deploymentPath(ns, 'api'),
      write: { method: 'PATCH', path: deploymentPath(ns, 'api') },
      reports: { dry: [...diagnosis, /^Would restart .*\/api\.$/], real: [...diagnosis, /^Restarted .*\/api\.$/] },
    };
  },
  missing: (ns) => ({ params: { namespace: ns, deployment: 'absent' }, path: deploymentPath(ns, 'absent') }),
  refusals: [],
};
