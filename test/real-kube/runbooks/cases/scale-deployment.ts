import { deploymentPath, type RunbookCase } from './case.js';

export const scaleDeployment: RunbookCase = {
  runbook: 'scale-deployment',
  async seed(s) {
    await s.deployment('web', 2);
    const ns = s.namespace;
    return {
      params: { namespace: ns, deployment: 'web', replicas: 3 },
      target: { path: deploymentPath(ns, 'web'), label: `Deployment ${ns}/web` },
      effect: { kind: 'patch', fields: ['spec.replicas'] },
      firstRead: `${deploymentPath(ns, 'web')}/scale`,
      write: { method: 'PATCH', path: `${deploymentPath(ns, 'web')}/scale` },
      reports: { dry: [/^Would scale .*\/web from 2 to 3 replicas\.$/], real: [/^Scaled .*\/web from 2 to 3 replicas\.$/] },
    };
  },
  missing: (ns) => ({ params: { namespace: ns, deployment: 'absent', replicas: 2 }, path: `${deploymentPath(ns, 'absent')}/scale` }),
  refusals: [
    {
      why: 'to 0 without allowZero',
      async seed(s) {
        await s.deployment('web', 2);
        return { params: { namespace: s.namespace, deployment: 'web', replicas: 0 }, message: /without allowZero=true/ };
      },
    },
    {
      why: 'more than 4x at once',
      async seed(s) {
        await s.deployment('web', 2);
        return { params: { namespace: s.namespace, deployment: 'web', replicas: 9 }, message: /from 2 to 9: more than 4x at once/ };
      },
    },
  ],
};
