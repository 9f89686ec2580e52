import { batchesOf, describePlan, type Rollout, type TargetState } from './plan.js';
import { countTargets } from './rollouts.js';

const MARK: Record<TargetState, string> = { pending: '·', queued: '…', running: '…', succeeded: '✓', failed: '✗', skipped: '–' };

/** At most this many failures are listed; the rest are counted. */
const MAX_FAILURES_SHOWN = 10;

/**
 * A rollout's progress in a bounded number of lines, whatever its size: the
 * plan, the counts, the current batch cluster by cluster, and the failures
 * (a 2,000-cluster rollout is not 2,000 lines).
 */
export function rolloutLines(rollout: Rollout): string[] {
  const batches = batchesOf(rollout);
  const c = countTargets(rollout.targets);
  const lines = [describePlan(rollout)];
  const state = rollout.state.replace('_', ' ');
  const inFlight = c.queued + c.running;
  lines.push(
    `${state}: ✓ ${c.succeeded} succeeded, ✗ ${c.failed} failed, … ${inFlight} in progress, · ${c.pending} not started${c.skipped ? `, – ${c.skipped} skipped` : ''} (of ${rollout.clusters.length}).`,
  );
  if (rollout.approval && rollout.state === 'awaiting_approval') {
    const a = rollout.approval;
    lines.push(`Awaiting ${a.needed} approval(s)${a.group ? ` from ${a.group}` : ''} until ${a.expiresAt} (${a.approvers.length} so far). Plan ${rollout.hash.slice(0, 12)}.`);
  } else if (rollout.approval?.approvers.length) {
    lines.push(`Approved by ${rollout.approval.approvers.map((p) => p.name ?? p.id).join(', ')}.`);
  }
  const current = batches[Math.min(rollout.batch, batches.length - 1)];
  if (current && !['succeeded', 'awaiting_approval', 'rejected', 'expired'].includes(rollout.state)) {
    const shown = current.slice(0, 20).map((name) => `${MARK[rollout.targets[name]?.state ?? 'pending']} ${name}`);
    const more = current.length > 20 ? ` (+${current.length - 20} more)` : '';
    lines.push(`Batch ${Math.min(rollout.batch, batches.length - 1) + 1} of ${batches.length}: ${shown.join('  ')}${more}`);
  }
  // Runs under way on a cluster whose agent is gone: the controller fails them after fleet.agentWait.
  const orphaned = Object.entries(rollout.targets).filter(([, t]) => t.state === 'running' && t.agentAbsentSince !== undefined);
  for (const [name, t] of orphaned.slice(0, 5)) lines.push(`? ${name}: its run is under way, but no agent has been live since ${new Date(t.agentAbsentSince as number).toISOString()}.`);
  if (orphaned.length > 5) lines.push(`? … and ${orphaned.length - 5} more clusters without a live agent.`);
  const failed = Object.entries(rollout.targets).filter(([, t]) => t.state === 'failed');
  for (const [name, t] of failed.slice(0, MAX_FAILURES_SHOWN)) lines.push(`✗ ${name}${t.runId ? ` (run ${t.runId})` : ''}: ${t.error ?? 'failed'}`);
  if (failed.length > MAX_FAILURES_SHOWN) lines.push(`… and ${failed.length - MAX_FAILURES_SHOWN} more failed.`);
  if (rollout.reason) lines.push(rollout.reason);
  return lines;
}
