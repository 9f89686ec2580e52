import { defineRunbook, z } from 'drover';

/** kube-prometheus KubeDeploymentReplicasMismatch: collect what explains it, then restart. */
export default defineRunbook({
  id: 'diagnose-restart-deployment',
  summary: 'Collect diagnostics of a deployment short of replicas, then restart it',
  description:
    'Reports the pods that are not ready with their reasons and the recent warning events, so the thread explains the mismatch, then performs a rollout restart.',
  params: z.object({
    namespace: z.string().min(1).describe('Namespace of the deployment'),
    deployment: z.string().min(1).describe('Name of the deployment'),
  }),
  triggers: {
    alerts: [{ alertname: 'KubeDeploymentReplicasMismatch', params: { namespace: 'label:namespace', deployment: 'label:deployment' } }],
  },
  rateLimit: { maxRuns: 2, window: '1h', cooldown: '15m' },
  risk: 'medium',
  timeout: '3m',
  concurrencyKey: (p) => `deployment/${p.namespace}/${p.deployment}`,
  async run(ctx, { namespace, deployment }) {
    const diagnosis = await ctx.step('collect diagnostics', async () => {
      const d = await ctx.k8s.getDeployment(namespace, deployment);
      const selector = Object.entries(d.spec?.selector?.matchLabels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      const pods = selector ? await ctx.k8s.listPods(namespace, { labelSelector: selector }) : [];
      const notReady = pods
        .filter((p) => !(p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'))
        .map((p) => {
          const waiting = (p.status?.containerStatuses ?? []).map((c) => c.state?.waiting?.reason ?? c.state?.terminated?.reason).filter(Boolean);
          return `${p.metadata?.name ?? '?'} (${p.status?.phase ?? 'Unknown'}${waiting.length ? `: ${waiting.join(', ')}` : ''})`;
        });
      const events = (await ctx.k8s.listEvents(namespace, { kind: 'Deployment', name: deployment }))
        .filter((e) => e.type === 'Warning')
        .slice(-5)
        .map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`);
      return {
        desired: d.spec?.replicas ?? 0,
        available: d.status?.availableReplicas ?? 0,
        pods: pods.length,
        notReady,
        events,
      };
    });
    await ctx.report(
      [
        `${namespace}/${deployment}: ${diagnosis.available}/${diagnosis.desired} replicas available, ${diagnosis.pods} pods.`,
        ...(diagnosis.notReady.length ? [`Not ready: ${diagnosis.notReady.join('; ')}`] : []),
        ...(diagnosis.events.length ? [`Recent warnings: ${diagnosis.events.join(' | ')}`] : []),
      ].join('\n'),
    );
    await ctx.step('rollout restart', ({ firstStartedAt }) => ctx.k8s.restartDeployment(namespace, deployment, { restartedAt: firstStartedAt }));
    await ctx.report(`${ctx.dryRun ? 'Would restart' : 'Restarted'} ${namespace}/${deployment}.`);
    return diagnosis;
  },
});
