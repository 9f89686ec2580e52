import { defineRunbook, RunbookRefusal, z } from 'drover';

/** The way back from cordon-node or drain-node, once the node is healthy again. */
export default defineRunbook({
  id: 'uncordon-node',
  summary: 'Uncordon a node so pods are scheduled on it again',
  description: 'Clears the node\'s unschedulable flag. Reports the node\'s Ready condition, and refuses a node that is not Ready unless force=true: pods would be scheduled onto a broken node.',
  params: z.object({
    node: z.string().min(1).describe('Name of the node'),
    force: z.boolean().default(false).describe('Uncordon even when the node is not Ready'),
  }),
  risk: 'medium',
  timeout: '1m',
  concurrencyKey: (p) => `node/${p.node}`,
  async run(ctx, { node, force }) {
    const state = await ctx.step('read node', async () => {
      const n = await ctx.k8s.getNode(node);
      const ready = (n.status?.conditions ?? []).find((c) => c.type === 'Ready');
      return { unschedulable: n.spec?.unschedulable === true, ready: ready?.status ?? 'Unknown', reason: ready?.reason ?? '' };
    });
    const readiness = `Ready=${state.ready}${state.reason ? `, ${state.reason}` : ''}`;
    if (!state.unschedulable) {
      await ctx.report(`${node} is already schedulable (${readiness}).`);
      return { changed: false };
    }
    if (state.ready !== 'True' && !force) {
      throw new RunbookRefusal(`Refusing to uncordon ${node}: it is not Ready (${readiness}); pods would be scheduled onto it. force=true uncordons it anyway.`);
    }
    await ctx.step('uncordon', () => ctx.k8s.uncordonNode(node));
    await ctx.report(`${ctx.dryRun ? 'Would uncordon' : 'Uncordoned'} ${node} (${readiness}).`);
    return { changed: true };
  },
});
