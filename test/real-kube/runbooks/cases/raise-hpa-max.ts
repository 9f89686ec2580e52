import type { RunbookCase } from './case.js';

const hpaPath = (ns: string, name: string) => `/apis/autoscaling/v2beta2/namespaces/${ns}/horizontalpodautoscalers/${name}`;

export const raiseHpaMax: RunbookCase = {
  runbook: 'raise-hpa-max',
  async seed(s) {
    await s.deployment('web', 2);
    await s.hpa('web', 'web', { min: 2, max: 4, current: 4 });
    const ns = s.namespace;
    return {
      params: { namespace: ns, hpa: 'web' },
      target: { path: hpaPath(ns, 'web'), label: `HorizontalPodAutoscaler ${ns}/web` },
      effect: { kind: 'patch', fields: ['spec.maxReplicas'] },
      firstRead: hpaPath(ns, 'web'),
      write: { method: 'PATCH', path: hpaPath(ns, 'web') },
      reports: { dry: [/^Would raise .*\/web maxReplicas from 4 to 6 \(running 4\)\.$/], real: [/^Raised .*\/web maxReplicas from 4 to 6 \(running 4\)\.$/] },
    };
  },
  missing: (ns) => ({ params: { namespace: ns, hpa: 'absent' }, path: hpaPath(ns, 'absent') }),
  refusals: [
    {
      why: 'maxReplicas at the ceiling',
      async seed(s) {
        await s.hpa('web', 'web', { min: 2, max: 8, current: 8 });
        return { params: { namespace: s.namespace, hpa: 'web', ceiling: 8 }, message: /already allows 8 replicas, at or above the ceiling of 8/ };
      },
    },
  ],
};
