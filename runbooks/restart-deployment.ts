import { defineRunbook, z } from 'drover';

export default defineRunbook({
  id: 'restart-deployment',
  summary: 'Rolling restart of a deployment (kubectl rollout restart)',
  description:
    'Stamps the pod template with a restart time so the deployment replaces its pods one by one, respecting its rollout strategy.',
  params: z.object({
    namespace: z.string().min(1).describe('Namespace of the deployment'),
    deployment: z.string().min(1).describe('Name of the deployment'),
  }),
  risk: 'medium',
  timeout: '2m',
  concurrencyKey: (p) => `deployment/${p.namespace}/${p.deployment}`,
  async run(ctx, { namespace, deployment }) {
    const before = await ctx.step('check deployment', async () => {
      const d = await ctx.k8s.getDeployment(namespace, deployment);
      return { replicas: d.spec?.replicas ?? 0, revision: d.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? null };
    });
    // The stamp is the step's first start time, so a restart re-executed after a
    // worker crash sends the same patch and triggers no second rollout.
    const change = await ctx.step('rollout restart', ({ firstStartedAt }) =>
      ctx.k8s.restartDeployment(namespace, deployment, { restartedAt: firstStartedAt }),
    );
    await ctx.report(
      ctx.dryRun
        ? `Would restart ${namespace}/${deployment} (${before.replicas} replicas).`
        : `Restarted ${namespace}/${deployment}: ${before.replicas} replicas are being replaced.`,
    );
    return { summary: change.summary };
  },
});
