// A fleet rollout as an operator starts it (`drover rollout`): planned over
// every cluster the selector picks (policy asked per cluster), stored, then
// driven batch by batch by the controller in the serving process, each batch
// queued once the one before has ended.
import type { Runtime } from '../../src/cli/runtime.js';
import { countTargets } from '../../src/fleet/rollout/rollouts.js';
import { isRolloutEnded, type Rollout } from '../../src/fleet/rollout/plan.js';
import { BENCH_REQUESTER } from './fleet-central.js';
import { waitFor } from './stats.js';

export interface ControllerRollout {
  planMs: number;
  /** From the plan's start to the rollout's end. */
  endedMs: number;
  rollout: Rollout;
  counts: ReturnType<typeof countTargets>;
  batches: number;
}

export async function controllerRollout(rt: Runtime, request: { runbook: string; params: Record<string, unknown>; selector: string; batchSize: number }, timeoutMs: number): Promise<ControllerRollout> {
  const { rollouts } = rt.drover;
  const started = performance.now();
  const planned = await rollouts.plan({ ...request, requester: BENCH_REQUESTER });
  const planMs = performance.now() - started;
  let rollout = await rollouts.start(planned);
  await waitFor(async () => isRolloutEnded((rollout = await rollouts.get(rollout.id)).state), timeoutMs, 250);
  const endedMs = performance.now() - started;
  return { planMs, endedMs, rollout, counts: countTargets(rollout.targets), batches: rollout.batch };
}
