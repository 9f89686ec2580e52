import type { RunbookCase } from './case.js';

const podPath = (ns: string, name: string) => `/api/v1/namespaces/${ns}/pods/${name}`;

export const deletePod: RunbookCase = {
  runbook: 'delete-pod',
  async seed(s) {
    const { pods } = await s.deployment('web', 2);
    const pod = pods[0]!.metadata!.name!;
    const ns = s.namespace;
    return {
      params: { namespace: ns, pod },
      target: { path: podPath(ns, pod), label: `Pod ${ns}/${pod}` },
      effect: { kind: 'delete' },
      firstRead: podPath(ns, pod),
      write: { method: 'DELETE', path: podPath(ns, pod) },
      reports: {
        dry: [new RegExp(`^Would delete .*/${pod}; ReplicaSet/web-\\w+ will replace it\\.$`)],
        real: [new RegExp(`^Deleted .*/${pod}; ReplicaSet/web-\\w+ will replace it\\.$`)],
      },
    };
  },
  missing: (ns) => ({ params: { namespace: ns, pod: 'absent' }, path: podPath(ns, 'absent') }),
  refusals: [
    {
      why: 'a pod no controller owns',
      async seed(s) {
        await s.barePod('lonely');
        return { params: { namespace: s.namespace, pod: 'lonely' }, message: /no controller owns it, so nothing would recreate it/ };
      },
    },
  ],
};
