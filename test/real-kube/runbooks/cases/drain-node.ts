import type { RunbookCase } from './case.js';

export const drainNode: RunbookCase = {
  runbook: 'drain-node',
  async seed(s) {
    const { node, pods, daemonPod } = await s.nodeToDrain('worker');
    const ns = s.namespace;
    const lines = (verb: string) =>
      new RegExp(
        `^${verb === 'evicted' ? 'Drained' : 'Would drain'} \\S+-worker: ${verb} 2 of 2 pod\\(s\\), skipped 1\\.\\n  ${verb}: ${ns}/${pods[0]}\\n  ${verb}: ${ns}/${pods[1]}\\n  skipped: ${ns}/${daemonPod} \\(managed by DaemonSet/agent \\(it would be recreated on this node\\)\\)$`,
      );
    return {
      params: { node, timeoutSeconds: 10 },
      target: { path: `/api/v1/nodes/${node}`, label: `Node ${node}` },
      effect: { kind: 'drain', fields: ['spec.unschedulable'], evicted: pods },
      firstRead: `/api/v1/nodes/${node}`,
      write: { method: 'PATCH', path: `/api/v1/nodes/${node}` },
      reports: { dry: [lines('would evict')], real: [lines('evicted')] },
    };
  },
  missing: (ns) => ({ params: { node: `${ns}-absent` }, path: `/api/v1/nodes/${ns}-absent` }),
  refusals: [
    {
      why: 'a pod no controller owns on the node',
      async seed(s) {
        const { node } = await s.nodeToDrain('worker');
        await s.barePod('lonely', node);
        return { params: { node }, message: new RegExp(`Refusing to drain \\S+-worker: 1 pod\\(s\\) cannot be evicted safely: ${s.namespace}/lonely: no controller owns it`) };
      },
    },
  ],
};
