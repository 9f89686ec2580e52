import type { RunbookCase } from './case.js';

export const uncordonNode: RunbookCase = {
  runbook: 'uncordon-node',
  async seed(s) {
    const node = await s.node('worker', 'True');
    await s.cordon(node);
    return {
      params: { node },
      target: { path: `/api/v1/nodes/${node}`, label: `Node ${node}` },
      effect: { kind: 'patch', fields: ['spec.unschedulable'] },
      firstRead: `/api/v1/nodes/${node}`,
      write: { method: 'PATCH', path: `/api/v1/nodes/${node}` },
      reports: { dry: [/^Would uncordon \S+-worker \(Ready=True, KubeletReady\)\.$/], real: [/^Uncordoned \S+-worker \(Ready=True, KubeletReady\)\.$/] },
    };
  },
  missing: (ns) => ({ params: { node: `${ns}-absent` }, path: `/api/v1/nodes/${ns}-absent` }),
  refusals: [
    {
      why: 'a node that is not Ready',
      async seed(s) {
        const node = await s.node('sick', 'False');
        await s.cordon(node);
        return { params: { node }, message: /Refusing to uncordon \S+-sick: it is not Ready \(Ready=False, KubeletNotReady\)/ };
      },
    },
  ],
};
