import { defineRunbook, z } from 'drover';

const POLL_MS = 5_000;

/** kube-prometheus KubeDeploymentRolloutStuck / KubeDeploymentGenerationMismatch: say where the rollout is. */
export default defineRunbook({
  id: 'rollout-status',
  summary: 'Report where a deployment\'s rollout is (kubectl rollout status)',
  description:
    'Read-only. Reports the revision and how many replicas are updated, ready and available, in kubectl\'s words; with waitSeconds, waits up to that long for the rollout to finish first.',
  params: z.object({
    namespace: z.string().min(1).describe('Namespace of the deployment'),
    deployment: z.string().min(1).describe('Name of the deployment'),
    waitSeconds: z.number().int().min(0).max(150).default(0).describe('Wait up to this long for the rollout to finish'),
  }),
  triggers: {
    alerts: [
      { alertname: 'KubeDeploymentRolloutStuck', params: { namespace: 'label:namespace', deployment: 'label:deployment' } },
      { alertname: 'KubeDeploymentGenerationMismatch', params: { namespace: 'label:namespace', deployment: 'label:deployment' } },
    ],
  },
  risk: 'low',
  rateLimit: { maxRuns: 6, window: '1h' },
  timeout: '3m',
  concurrencyKey: (p) => `rollout-status/${p.namespace}/${p.deployment}`,
  async run(ctx, { namespace, deployment, waitSeconds }) {
    const status = await ctx.step('read rollout status', async ({ signal }) => {
      const deadline = Date.now() + waitSeconds * 1000;
      let s = await ctx.k8s.rolloutStatus(namespace, deployment);
      // A stuck or paused rollout does not finish by waiting.
      while (!s.done && !s.stuck && !s.paused && Date.now() + POLL_MS <= deadline && !signal.aborted) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        s = await ctx.k8s.rolloutStatus(namespace, deployment);
      }
      return s;
    });
    const counts = `revision ${status.revision}: ${status.updated}/${status.desired} updated, ${status.ready} ready, ${status.available} available${status.old ? `, ${status.old} old` : ''}${status.paused ? ', paused' : ''}`;
    await ctx.report(`${namespace}/${deployment}: ${status.message} (${counts}).`);
    return status;
  },
});
