import type { RunbookCase } from './case.js';

const pvcPath = (ns: string, name: string) => `/api/v1/namespaces/${ns}/persistentvolumeclaims/${name}`;

export const expandPvc: RunbookCase = {
  runbook: 'expand-pvc',
  async seed(s) {
    const grow = await s.storageClass('grow', true);
    await s.boundClaim('data', grow, '10Gi');
    const ns = s.namespace;
    return {
      params: { namespace: ns, pvc: 'data' },
      target: { path: pvcPath(ns, 'data'), label: `PersistentVolumeClaim ${ns}/data` },
      effect: { kind: 'patch', fields: ['spec.resources.requests.storage'] },
      firstRead: pvcPath(ns, 'data'),
      write: { method: 'PATCH', path: pvcPath(ns, 'data') },
      reports: { dry: [/^Would expand .*\/data from 10Gi to 15Gi\.$/], real: [/^Expanded .*\/data from 10Gi to 15Gi\.$/] },
    };
  },
  missing: (ns) => ({ params: { namespace: ns, pvc: 'absent' }, path: pvcPath(ns, 'absent') }),
  refusals: [
    {
      why: 'a StorageClass without allowVolumeExpansion',
      async seed(s) {
        const fixed = await s.storageClass('fixed', false);
        await s.boundClaim('logs', fixed, '10Gi');
        return { params: { namespace: s.namespace, pvc: 'logs' }, message: new RegExp(`StorageClass ${fixed} does not allow volume expansion`) };
      },
    },
    {
      why: 'growing past maxSize',
      async seed(s) {
        const grow = await s.storageClass('grow', true);
        await s.boundClaim('data', grow, '10Gi');
        return { params: { namespace: s.namespace, pvc: 'data', maxSize: '12Gi' }, message: /from 10Gi to 15Gi would exceed maxSize 12Gi/ };
      },
    },
  ],
};
