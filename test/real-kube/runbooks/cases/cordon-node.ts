import type { RunbookCase } from './case.js';

export const cordonNode: RunbookCase = {
  runbook: 'cordon-node',
  async seed(s) {
    const node = await s.node('worker', 'False');
    return {
      params: { node },
      target: { path: `/api/v1/nodes/${node}`, label: `Node ${node}` },
      effect: { kind: 'patch', fields: ['spec.unschedulable'] },
      firstRead: `/api/v1/nodes/${node}`,
      write: { method: 'PATCH', path: `/api/v1/nodes/${node}` },
      reports: { dry: [/^Would cordon \S+-worker \(Ready=False, KubeletNotReady\)\.$/], real: [/^Cordoned \S+-worker \(Ready=False, KubeletNotReady\)\.$/] },
    };
  },
  missing: (ns) => ({ params: { node: `${ns}-absent` }, path: `/api/v1/nodes/${ns}-absent` }),
  refusals: [],
};
