import { defineRunbook, z } from 'drover';

/** kube-prometheus KubeNodeNotReady: stop scheduling onto a node that is not ready. */
export default defineRunbook({
  id: 'cordon-node',
  summary: 'Cordon a node so nothing new is scheduled on it',
  description: 'Marks the node unschedulable; pods already on it keep running. Needs approval: capacity drops for the whole cluster.',
  params: z.object({ node: z.string().min(1).describe('Name of the node') }),
  triggers: { alerts: [{ alertname: 'KubeNodeNotReady', params: { node: 'label:node' } }] },
  risk: 'high',
  approval: { required: 'always', approvers: 1 },
  rateLimit: { maxRuns: 1, window: '1h' },
  timeout: '1m',
  concurrencyKey: (p) => `node/${p.node}`,
  async run(ctx, { node }) {
    const state = await ctx.step('read node', async () => {
      const n = await ctx.k8s.getNode(node);
      const ready = (n.status?.conditions ?? []).find((c) => c.type === 'Ready');
      return { unschedulable: n.spec?.unschedulable === true, ready: ready?.status ?? 'Unknown', reason: ready?.reason ?? '' };
    });
    if (state.unschedulable) {
      await ctx.report(`${node} is already cordoned (Ready=${state.ready}${state.reason ? `, ${state.reason}` : ''}).`);
      return { changed: false };
    }
    await ctx.step('cordon', () => ctx.k8s.cordonNode(node));
    await ctx.report(`${ctx.dryRun ? 'Would cordon' : 'Cordoned'} ${node} (Ready=${state.ready}${state.reason ? `, ${state.reason}` : ''}).`);
    return { changed: true };
  },
});
