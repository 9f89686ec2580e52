import { defineRunbook, z } from 'drover';

export default defineRunbook({
  id: 'rollout-resume',
  summary: 'Resume a paused deployment\'s rollout (kubectl rollout resume)',
  description: 'Clears spec.paused: the deployment controller goes on rolling out its latest template. The plan shows the diff.',
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
    if (!status.paused) {
      await ctx.report(`${namespace}/${deployment} is not paused (${where}); nothing to resume.`);
      return { changed: false, revision: status.revision };
    }
    await ctx.step('resume', () => ctx.k8s.resumeDeployment(namespace, deployment));
    await ctx.report(`${ctx.dryRun ? 'Would resume' : 'Resumed'} the rollout of ${namespace}/${deployment} (${where}).`);
    return { changed: true, revision: status.revision };
  },
});
