import type { Runbook, ScheduleTrigger } from '../../src/runbook/types.js';
import { defineRunbook, z } from '../../src/sdk/index.js';

/**
 * The `sweep` runbook the schedule tests fire: one step per namespace, one
 * run at a time per namespace. `extra` overrides fields (approval, rate
 * limit); `hold`, when given, keeps each run in its step until it settles.
 */
export function sweeper(schedule: ScheduleTrigger<{ namespace: string }> | ScheduleTrigger<{ namespace: string }>[], extra: Partial<Runbook> = {}, hold?: Promise<void>): Runbook {
  return defineRunbook({
    id: 'sweep',
    summary: 'Sweeps a namespace',
    params: z.object({ namespace: z.string() }),
    triggers: { schedule },
    concurrencyKey: (p) => `namespace/${String(p.namespace)}`,
    async run(ctx, { namespace }) {
      await ctx.step('sweep', async () => {
        await hold;
        return namespace;
      });
    },
    ...extra,
  });
}
