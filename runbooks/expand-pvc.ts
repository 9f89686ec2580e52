import { compareQuantities, defineRunbook, grownSize, RunbookRefusal, z } from 'drover';

/** kube-prometheus KubePersistentVolumeFillingUp: grow the volume if its StorageClass can. */
export default defineRunbook({
  id: 'expand-pvc',
  summary: 'Expand a PersistentVolumeClaim that is filling up, if its StorageClass allows it',
  description:
    'Grows the claim by `growPercent` (rounded up to a whole Gi), never above `maxSize`. Refuses when the StorageClass does not allow volume expansion. Needs approval: volumes cannot shrink back.',
  params: z.object({
    namespace: z.string().min(1).describe('Namespace of the claim'),
    pvc: z.string().min(1).describe('Name of the PersistentVolumeClaim'),
    growPercent: z.number().int().min(10).max(200).default(50).describe('How much to grow it by'),
    maxSize: z.string().regex(/^\d+(Mi|Gi|Ti)$/).default('1Ti').describe('Never grow it beyond this'),
  }),
  triggers: {
    alerts: [{ alertname: 'KubePersistentVolumeFillingUp', params: { namespace: 'label:namespace', pvc: 'label:persistentvolumeclaim' } }],
  },
  risk: 'high',
  // Argo CD or Flux own the object: the change becomes a pull request to its git repository (docs/gitops.md).
  gitops: { mode: 'propose' },
  approval: { required: 'always', approvers: 1 },
  rateLimit: { maxRuns: 1, window: '6h' },
  timeout: '2m',
  concurrencyKey: (p) => `pvc/${p.namespace}/${p.pvc}`,
  async run(ctx, { namespace, pvc, growPercent, maxSize }) {
    const claim = await ctx.step('read claim and storage class', async () => {
      const c = await ctx.k8s.getPvc(namespace, pvc);
      const className = c.spec?.storageClassName ?? '';
      if (!className) return { size: c.spec?.resources?.requests?.storage ?? '', className, expandable: false };
      const sc = await ctx.k8s.getStorageClass(className);
      return { size: c.spec?.resources?.requests?.storage ?? '', className, expandable: sc.allowVolumeExpansion === true };
    });
    if (!claim.expandable) {
      throw new RunbookRefusal(
        `${namespace}/${pvc} cannot be expanded: ${claim.className ? `StorageClass ${claim.className} does not allow volume expansion` : 'it has no StorageClass'}.`,
      );
    }
    const wanted = grownSize(claim.size, { percent: growPercent });
    if (compareQuantities(wanted, maxSize) > 0) {
      throw new RunbookRefusal(`Growing ${namespace}/${pvc} from ${claim.size} to ${wanted} would exceed maxSize ${maxSize}.`);
    }
    await ctx.step('expand claim', () => ctx.k8s.expandPvc(namespace, pvc, wanted));
    await ctx.report(`${ctx.dryRun ? 'Would expand' : 'Expanded'} ${namespace}/${pvc} from ${claim.size} to ${wanted}.`);
    return { from: claim.size, to: wanted };
  },
});
