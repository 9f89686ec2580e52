import { defineRunbook, RunbookRefusal, z } from 'drover';

export default defineRunbook({
  id: 'delete-pod',
  summary: 'Delete a pod so its controller replaces it',
  description:
    'Refuses a pod that no controller owns, since nothing would bring it back. The delete is bound to the pod\'s uid, so a replacement with the same name (a StatefulSet pod) is never deleted by mistake.',
  params: z.object({
    namespace: z.string().min(1).describe('Namespace of the pod'),
    pod: z.string().min(1).describe('Name of the pod'),
    gracePeriodSeconds: z.number().int().min(0).max(3600).optional().describe('Override the pod\'s termination grace period'),
  }),
  triggers: {
    // kube-prometheus: a container restarting over and over; a fresh pod often clears a bad node or volume mount.
    alerts: [{ alertname: 'KubePodCrashLooping', params: { namespace: 'label:namespace', pod: 'label:pod' } }],
  },
  rateLimit: { maxRuns: 3, window: '1h', cooldown: '10m' },
  risk: 'low',
  timeout: '2m',
  concurrencyKey: (p) => `pod/${p.namespace}/${p.pod}`,
  async run(ctx, { namespace, pod, gracePeriodSeconds }) {
    const target = await ctx.step('inspect pod', async () => {
      const p = await ctx.k8s.getPod(namespace, pod);
      const owner = p.metadata?.ownerReferences?.find((o) => o.controller);
      return { uid: p.metadata?.uid ?? '', owner: owner ? `${owner.kind}/${owner.name}` : null, node: p.spec?.nodeName ?? null };
    });
    if (!target.owner) {
      throw new RunbookRefusal(`Refusing to delete ${namespace}/${pod}: no controller owns it, so nothing would recreate it.`);
    }
    const result = await ctx.step('delete pod', () =>
      ctx.k8s.deletePod(namespace, pod, { uid: target.uid, ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}) }),
    );
    await ctx.report(
      result.alreadyGone
        ? `${namespace}/${pod} was already gone; ${target.owner} has replaced it.`
        : `${ctx.dryRun ? 'Would delete' : 'Deleted'} ${namespace}/${pod}; ${target.owner} will replace it.`,
    );
    return { owner: target.owner, alreadyGone: result.alreadyGone };
  },
});
