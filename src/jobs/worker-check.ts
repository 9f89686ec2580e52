import { DroverError } from '../errors.js';
import { personOf, type ApprovalRequirement, type Policy, type PolicySubject } from '../policy/index.js';
import type { Requester, Runbook } from '../runbook/types.js';
import type { ApprovalState, RolloutMarker, RunRecord } from './run-record.js';

export interface WorkerCheckDeps {
  /** The worker's own policy, from its own configuration: never what the submitter used. */
  policy: Policy;
  /** Whether two requesters are one person under two names (Slack and CLI). */
  samePerson?: (a: Requester, b: Requester) => boolean;
}

/** A rollout's approval as the run's own would be held (missing approvers count as none). */
function rolloutApproval(marker: RolloutMarker): ApprovalState | undefined {
  const a = marker.approval;
  if (!a || typeof a !== 'object') return { needed: 0, reason: 'rollout', timeoutMs: 0, hash: marker.hash, approvers: [] };
  return { needed: Number(a.needed) || 0, ...(a.group ? { group: a.group } : {}), reason: a.reason, timeoutMs: a.timeoutMs, hash: marker.hash, approvers: Array.isArray(a.approvers) ? a.approvers : [] };
}

/** One person under one key: a CLI user on any host (personOf). */
const key = (r: Requester): string => personOf(r);

/**
 * The worker's own look at a run before it plans, starts or resumes it.
 * Whatever reached the queue (a CLI with a permissive policy file of its own,
 * a record written straight into Redis), the worker acts only on what its own
 * policy allows, and a run its policy holds for approval only with approvals
 * it can count: a plan hash, enough distinct approvers, none of them the
 * requester, each one the worker's policy lets approve. Resolves to the
 * refusal (permission_denied or approval_refused), or undefined.
 *
 * `planning`: the proposal's dry run, before anyone could approve; only the
 * policy's allow is checked then.
 */
export async function workerRefusal(run: RunRecord, runbook: Runbook, deps: WorkerCheckDeps, planning = false): Promise<DroverError | undefined> {
  const subject: PolicySubject = { requester: run.requester, runbook, cluster: run.cluster, params: run.params, dryRun: run.dryRun };
  const decision = await deps.policy.decide(subject);
  if (!decision.allowed) return new DroverError('permission_denied', `The worker's policy refuses this run. ${decision.reason}`);
  if (planning) return undefined;

  // A run a fleet rollout queued carries the rollout's approval instead (its hash is checked by ApprovalPhases.verifyRollout).
  const held = run.approval ?? (run.rollout ? rolloutApproval(run.rollout) : undefined);
  const needed = Math.max(decision.approval?.approvals ?? 0, held?.needed ?? 0);
  if (needed === 0) return undefined;
  const refuse = (why: string) => new DroverError('approval_refused', `The worker refuses this run: ${why} Nothing was changed.`);
  if (!held) return refuse(`its policy requires ${needed} approval(s) (${decision.approval?.reason ?? 'approval required'}), and the run was queued without any.`);
  if (typeof held.hash !== 'string' || !held.hash) return refuse('its approval is bound to no plan.');
  if (run.rollout && run.approval) return refuse('it claims both its own approval and a rollout\'s.');
  const approvers = Array.isArray(held.approvers) ? held.approvers : [];
  const requester = run.requester;
  if (approvers.some((a) => key(a) === key(requester) || (deps.samePerson?.(a, requester) ?? false))) {
    return refuse('the requester is among its approvers.');
  }
  // One person once, under whichever name (a Slack id and cli:<user> the operator mapped to one user).
  const distinct: Requester[] = [];
  for (const a of approvers) if (!distinct.some((d) => key(d) === key(a) || (deps.samePerson?.(d, a) ?? false))) distinct.push(a);
  if (distinct.length < needed) return refuse(`it has ${distinct.length} of the ${needed} approval(s) its policy requires.`);
  const requirement: ApprovalRequirement = decision.approval ?? {
    approvals: held.needed,
    ...(held.group ? { group: held.group } : {}),
    timeoutMs: held.timeoutMs,
    reason: held.reason,
  };
  for (const approver of distinct) {
    const may = await deps.policy.mayApprove(approver, subject, requirement);
    if (!may.allowed) return refuse(`${approver.name ?? approver.id} may not approve it. ${may.reason}`);
  }
  return undefined;
}
