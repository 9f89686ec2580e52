import type { RunRecord } from '../../jobs/run-record.js';
import type { Requester } from '../../runbook/types.js';
import type { Drover } from '../../app.js';
import { isTerminal } from '../../jobs/run-record.js';
import { waitUntil } from './wait.js';

/** A chat user of the harness (the policy lets everyone run everything on the sandbox). */
export function person(id: string): Requester {
  return { kind: 'slack', id, name: id };
}

/** Where a run stands, for a message that says why a wait ended. */
export async function describeRun(drover: Drover, runId: string): Promise<string> {
  const run = await drover.store.get(runId);
  if (!run) return `run ${runId} is gone`;
  const events = await drover.store.events(runId);
  const last = events.at(-1);
  const lastStep = [...events].reverse().find((e) => e.type === 'step');
  const at = lastStep?.type === 'step' ? `; last step: "${lastStep.step}" ${lastStep.phase}` : '';
  return `${run.runbook} run ${runId} is still ${run.state.replace('_', ' ')}${at}${last?.type === 'waiting' ? `; waiting for ${last.heldBy} (concurrency key ${last.concurrencyKey})` : ''}`;
}

/** Waits until a run has finished, or is held for approval with its plan ready. */
export function settled(drover: Drover, runId: string, timeoutMs: number): Promise<RunRecord> {
  return waitUntil(
    async () => {
      const run = await drover.store.get(runId);
      return run && (isTerminal(run.state) || (run.state === 'awaiting_approval' && run.approval?.hash)) ? run : undefined;
    },
    timeoutMs,
    () => describeRun(drover, runId),
  );
}

/** Waits until a run has finished. */
export function finished(drover: Drover, runId: string, timeoutMs: number): Promise<RunRecord> {
  return waitUntil(
    async () => {
      const run = await drover.store.get(runId);
      return run && isTerminal(run.state) ? run : undefined;
    },
    timeoutMs,
    () => describeRun(drover, runId),
  );
}

/**
 * Approves a run held for approval, as each of `approvers` would from chat (on
 * the plan they were shown), and waits for it to finish once enough have.
 * Drover's refusals (the requester approving their own run, a void plan) are
 * thrown as they are; with too few approvers the run is answered still held.
 */
export async function approveAndFinish(drover: Drover, run: RunRecord, approvers: Requester[], timeoutMs: number): Promise<RunRecord> {
  let current = run;
  for (const approver of approvers) {
    const outcome = await drover.approvals.approve(current.id, approver, current.approval?.hash ?? '');
    current = outcome.run;
    if (outcome.kind === 'approved') return finished(drover, current.id, timeoutMs);
  }
  return current;
}
