import type { ActionsBlock, Button } from '@slack/types';
import { isHeld, isTerminal, type RunRecord } from '../../jobs/run-record.js';
import type { PlannedChange } from '../../k8s/types.js';
import { IDS, type ChatMessage } from '../types.js';
import { STATE_MARKER, absoluteTime, paramsMrkdwn, requesterMrkdwn, runDuration } from './format.js';
import { BlockList, fields, message, plain, section } from './layout.js';
import { LIMITS } from './limits.js';
import { escapeFit, inlineCode } from './mrkdwn.js';
import { approvalButtons, approvalSection } from './approval.js';

const FAILED_STATES = new Set(['failed', 'timed-out', 'cancelled', 'rejected', 'expired']);

/** The head of a run: runbook and state, then who, where, how long, params and the error. */
function runHead(run: RunRecord, list: BlockList): void {
  const dry = run.dryRun ? ' · dry run' : '';
  list.add(section(`${STATE_MARKER[run.state]} *${escapeFit(run.runbook, 200)}* ${run.state}${dry}`));
  const duration = runDuration(run);
  list.add(
    fields([
      `*Run:* ${inlineCode(run.id, 150)}`,
      `*Cluster:* ${escapeFit(run.cluster, 200)}${run.dryRun ? ' (dry run)' : ''}`,
      `*Requested by:* ${requesterMrkdwn(run.requester)}`,
      ...(run.startedAt ? [`*Started:* ${absoluteTime(run.startedAt)}`] : [`*Queued:* ${absoluteTime(run.createdAt)}`]),
      ...(duration ? [`*Duration:* ${duration}`] : []),
      ...(run.attempts > 1 ? [`*Attempts:* ${run.attempts}`] : []),
      ...(run.cancelRequestedBy ? [`*Cancelled by:* ${requesterMrkdwn(run.cancelRequestedBy)}`] : []),
    ]),
  );
  list.add(section(`*Params:* ${paramsMrkdwn(run.params)}`));
  if (run.error && FAILED_STATES.has(run.state)) list.add(section(`*Error:* ${escapeFit(run.error.message, 1500)}`));
}

function fallback(run: RunRecord): string {
  return `${run.runbook} run ${run.id}: ${run.state}${run.dryRun ? ' (dry run)' : ''} on ${run.cluster}`;
}

function changeLine(change: PlannedChange): string {
  return `• ${escapeFit(change.summary, 400)}`;
}

function cancelButton(run: RunRecord): ActionsBlock {
  const button: Button = {
    type: 'button',
    action_id: IDS.cancelAction,
    text: plain('Cancel run', LIMITS.buttonText),
    value: run.id,
    style: 'danger',
    confirm: {
      title: plain('Cancel this run?', LIMITS.confirmTitle),
      text: plain(`Run ${run.id} of ${run.runbook} on ${run.cluster} stops before its next step. Steps already done are not undone.`, LIMITS.confirmText),
      confirm: plain('Cancel run', LIMITS.confirmButton),
      deny: plain('Keep running', LIMITS.confirmButton),
      style: 'danger',
    },
  };
  return { type: 'actions', elements: [button] };
}

/**
 * The parent message of a run's thread. A dry run shows its plan once it has
 * finished (the diffs are in the thread); a real run shows the changes made so
 * far. The Cancel button (value: the run id) only when `cancellable`.
 */
export function runMessage(run: RunRecord, options: { plan?: PlannedChange[]; cancellable: boolean; now?: Date }): ChatMessage {
  const list = new BlockList();
  runHead(run, list);
  const plan = options.plan ?? [];
  if (isHeld(run.state)) {
    approvalSection(run, plan, list);
    const buttons = approvalButtons(run);
    return message(fallback(run), list.finish(...(buttons ? [buttons] : [])));
  }
  if (run.approval && (run.approval.approvers.length || run.approval.rejectedBy)) approvalSection(run, undefined, list);
  if (plan.length && (!run.dryRun || isTerminal(run.state))) {
    const title = run.dryRun ? `*Plan* (${plan.length}, diffs in the thread)` : `*Changes* (${plan.length}, diffs in the thread)`;
    list.lines([title, ...plan.map(changeLine)]);
  }
  return message(fallback(run), list.finish(...(options.cancellable ? [cancelButton(run)] : [])));
}

/** A run with its full plan or changes and their diffs (for `/drover status`), and an optional note (mrkdwn). */
export function statusMessage(run: RunRecord, plan: PlannedChange[], note?: string): ChatMessage {
  const list = new BlockList();
  runHead(run, list);
  if (run.approval) approvalSection(run, undefined, list);
  if (note) list.lines([note]);
  if (plan.length) list.lines([isHeld(run.state) ? `*What would change* (server-side dry run, ${plan.length})` : run.dryRun ? `*Plan* (${plan.length})` : `*Changes* (${plan.length})`]);
  for (const change of plan) {
    list.lines([changeLine(change)]);
    if (change.diff.trim()) list.code(change.diff);
  }
  if (!plan.length && isTerminal(run.state)) list.lines([run.dryRun ? 'No changes planned.' : 'No changes made.']);
  return message(fallback(run), list.finish());
}
