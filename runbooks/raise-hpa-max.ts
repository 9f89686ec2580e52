import { defineRunbook, RunbookRefusal, z } from 'drover';

/** kube-prometheus KubeHpaMaxedOut: give the autoscaler room, within a ceiling a person approves. */
export default defineRunbook({
  id: 'raise-hpa-max',
  summary: 'Raise a maxed-out HorizontalPodAutoscaler\'s maxReplicas, within a ceiling',
  description: 'Multiplies maxReplicas by `factor` (rounded up, at least +1), never above `ceiling`. Needs approval: more replicas cost money and load dependencies.',
  params: z.object({
    namespace: z.string().min(1).describe('Namespace of the HPA'),
    hpa: z.string().min(1).describe('Name of the HorizontalPodAutoscaler'),
    factor: z.number().min(1.1).max(3).default(1.5).describe('How much to raise maxReplicas by'),
    ceiling: z.number().int().min(1).max(200).default(30).describe('maxReplicas never goes above this'),
  }),
  triggers: {
    alerts: [{ alertname: 'KubeHpaMaxedOut', params: { namespace: 'label:namespace', hpa: 'label:horizontalpodautoscaler' } }],
  },
  risk: 'high',
  // Argo CD or Flux own the object: the change becomes a pull request to its git repository (docs/gitops.md).
  gitops: { mode: 'propose' },
  approval: { required: 'always', approvers: 1 },
  rateLimit: { maxRuns: 2, window: '6h', cooldown: '30m' },
  timeout: '1m',
  concurrencyKey: (p) => `hpa/${p.namespace}/${p.hpa}`,
  async run(ctx, { namespace, hpa, factor, ceiling }) {
    const current = await ctx.step('read autoscaler', async () => {
      const h = await ctx.k8s.getHpa(namespace, hpa);
      return { max: h.spec?.maxReplicas ?? 0, min: h.spec?.minReplicas ?? 1, current: h.status?.currentReplicas ?? 0 };
    });
    if (current.max >= ceiling) {
      throw new RunbookRefusal(`${namespace}/${hpa} already allows ${current.max} replicas, at or above the ceiling of ${ceiling}.`);
    }
    const next = Math.min(ceiling, Math.max(current.max + 1, Math.ceil(current.max * factor)));
    await ctx.step('raise maxReplicas', () => ctx.k8s.setHpaMaxReplicas(namespace, hpa, next));
    await ctx.report(`${ctx.dryRun ? 'Would raise' : 'Raised'} ${namespace}/${hpa} maxReplicas from ${current.max} to ${next} (running ${current.current}).`);
    return { from: current.max, to: next };
  },
});
