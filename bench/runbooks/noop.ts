// The pipeline benchmark's runbook: one step that does nothing, on a target of
// its own, so a run measures Drover's queue, run store, checkpoints and audit,
// not a Kubernetes call or a wait on a busy target. Loaded next to the shipped
// runbooks only by `npm run bench` (never shipped: runbooks/ holds real ones).
import { defineRunbook, z } from '../../src/sdk/index.js';

export default defineRunbook({
  id: 'bench-noop',
  summary: 'Does nothing, in one step (benchmark only)',
  params: z.object({ target: z.string().min(1).describe('Any name: runs on distinct targets never wait on each other') }),
  risk: 'low',
  timeout: '1m',
  concurrencyKey: (p) => `bench/${p.target}`,
  triggers: { alerts: [{ alertname: 'DroverBenchNoop', params: { target: 'label:target' } }] },
  async run(ctx, { target }) {
    await ctx.step('nothing', () => Promise.resolve(target));
    return { summary: `nothing done on ${target}` };
  },
});
