import { defineRunbook, z } from 'drover';

/** Stop a bad rollout where it is, to look before going on (rollout-resume) or back (rollback-deployment). */
export default defineRunbook({
  id: 'rollout-pause',
  summary: 'Pause a deployment\'s rollout (kubectl rollout pause)',
  description:
    'Sets spec.paused: the deployment controller stops rolling out template changes; pods already replaced stay replaced and scaling still works. The plan shows the diff.',
  params: z.object({
    namespace: z.string().min(1).describe('Namespace of the deployment'),
    deployment: z.string().min(1).describe('Name of the deployment'),
  }),
  risk: 'medium',
  timeout: '1m',
  concurrencyKey: (p) => `deployment/${p.namespace}/${p.deployment}`,
  async run(ctx, { namespace, deployment }) {
    const status = await ctx.step('read rollout', () => ctx.k8s.rolloutStatus(namespace, deployment));
    const where = `revision ${status.revision}, ${status.updated}/${status.desired} updated`;
    if (status.paused) {
      await ctx.report(`${namespace}/${deployment} is already paused (${where}).`);
      return { changed: false, revision: status.revision };
    }
    await ctx.step('pause', () => ctx.k8s.pauseDeployment(namespace, deployment));
    await ctx.report(`${ctx.dryRun ? 'Would pause' : 'Paused'} the rollout of ${namespace}/${deployment} (${where}).`);
    return { changed: true, revision: status.revision };
  },
});
