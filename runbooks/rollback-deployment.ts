import { defineRunbook, z } from 'drover';

/** kube-prometheus KubeDeploymentRolloutStuck: propose going back to the revision that worked. */
export default defineRunbook({
  id: 'rollback-deployment',
  summary: 'Roll a deployment back to its previous revision, or a given one (kubectl rollout undo)',
  description:
    'Puts the pod template of the previous revision (or `toRevision`) back; the plan shows the diff of the template. Refuses a paused deployment and one with no such revision. Needs approval: it undoes someone\'s release.',
  params: z.object({
    namespace: z.string().min(1).describe('Namespace of the deployment'),
    deployment: z.string().min(1).describe('Name of the deployment'),
    toRevision: z.number().int().min(1).optional().describe('Revision to go back to (default: the previous one)'),
  }),
  triggers: {
    alerts: [{ alertname: 'KubeDeploymentRolloutStuck', params: { namespace: 'label:namespace', deployment: 'label:deployment' } }],
  },
  risk: 'high',
  approval: { required: 'always', approvers: 1 },
  rateLimit: { maxRuns: 2, window: '1h', cooldown: '10m' },
  timeout: '2m',
  concurrencyKey: (p) => `deployment/${p.namespace}/${p.deployment}`,
  async run(ctx, { namespace, deployment, toRevision }) {
    const change = await ctx.step('rollback', () => ctx.k8s.rollbackDeployment(namespace, deployment, toRevision === undefined ? {} : { toRevision }));
    const what = change.summary.replace(/^rollback Deployment \S+: /, '');
    // No diff: it already runs that template, and nothing was sent.
    await ctx.report(change.diff === '' ? `${namespace}/${deployment} ${what}.` : `${ctx.dryRun ? 'Would roll back' : 'Rolled back'} ${namespace}/${deployment}: ${what}.`);
    return { summary: change.summary, changed: change.diff !== '' };
  },
});
