import { defineRunbook, RunbookRefusal, z } from 'drover';

/** Guard rails: a typo must not scale a service to zero or to a thousand pods. */
const MAX_REPLICAS = 50;
const MAX_FACTOR = 4;

export default defineRunbook({
  id: 'scale-deployment',
  summary: 'Set the replica count of a deployment, within bounds',
  description: `Scales through the scale subresource. Refuses more than ${MAX_REPLICAS} replicas, more than ${MAX_FACTOR}x the current count, and scaling to 0 unless allowZero=true.`,
  params: z.object({
    namespace: z.string().min(1).describe('Namespace of the deployment'),
    deployment: z.string().min(1).describe('Name of the deployment'),
    replicas: z.number().int().min(0).max(MAX_REPLICAS).describe('Desired number of replicas'),
    allowZero: z.boolean().default(false).describe('Allow scaling to zero replicas'),
  }),
  risk: 'medium',
  // Argo CD or Flux own the object: the change becomes a pull request to its git repository (docs/gitops.md).
  gitops: { mode: 'propose' },
  timeout: '1m',
  concurrencyKey: (p) => `deployment/${p.namespace}/${p.deployment}`,
  async run(ctx, { namespace, deployment, replicas, allowZero }) {
    if (replicas === 0 && !allowZero) {
      throw new RunbookRefusal(`Refusing to scale ${namespace}/${deployment} to 0 replicas without allowZero=true.`);
    }
    const current = await ctx.step('read current scale', () => ctx.k8s.getScale(namespace, deployment));
    if (current > 0 && replicas > current * MAX_FACTOR) {
      throw new RunbookRefusal(
        `Refusing to scale ${namespace}/${deployment} from ${current} to ${replicas}: more than ${MAX_FACTOR}x at once.`,
      );
    }
    if (current === replicas) {
      await ctx.report(`${namespace}/${deployment} already has ${replicas} replicas; nothing to do.`);
      return { from: current, to: replicas, changed: false };
    }
    await ctx.step('scale', () => ctx.k8s.scaleDeployment(namespace, deployment, replicas));
    await ctx.report(`${ctx.dryRun ? 'Would scale' : 'Scaled'} ${namespace}/${deployment} from ${current} to ${replicas} replicas.`);
    return { from: current, to: replicas, changed: true };
  },
});
