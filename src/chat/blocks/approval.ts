import type { ActionsBlock, Button } from '@slack/types';
import type { RunRecord } from '../../jobs/run-record.js';
import type { PlannedChange } from '../../k8s/types.js';
import { IDS } from '../types.js';
import { absoluteTime, requesterMrkdwn } from './format.js';
import { plain, type BlockList } from './layout.js';
import { LIMITS } from './limits.js';
import { escapeFit, inlineCode } from './mrkdwn.js';

/** What an Approve or Reject button carries: the run and the plan the approver sees. */
export interface ApprovalButtonValue {
  run: string;
  hash: string;
}

export function parseApprovalValue(value: string | undefined): ApprovalButtonValue | undefined {
  try {
    const parsed = JSON.parse(value ?? '') as Partial<ApprovalButtonValue>;
    return typeof parsed.run === 'string' && typeof parsed.hash === 'string' ? { run: parsed.run, hash: parsed.hash } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The approval part of a held run's message: who must approve, why, until
 * when, who has, and (when given) the dry-run plan with every diff (the
 * thread has them too, in full).
 */
export function approvalSection(run: RunRecord, plan: PlannedChange[] | undefined, list: BlockList): void {
  const approval = run.approval;
  if (!approval) return;
  if (run.state === 'planning') {
    list.lines([`*Needs approval:* ${approval.needed} from ${approval.group ? inlineCode(approval.group, 100) : 'someone allowed to run it'}. Planning the change (dry run)…`]);
    return;
  }
  const approvers = approval.approvers.map(requesterMrkdwn);
  list.lines([
    `*Needs approval:* ${approval.needed} from ${approval.group ? inlineCode(approval.group, 100) : 'someone allowed to run it'}, not the requester (${escapeFit(approval.reason, 300)})`,
    ...(approval.expiresAt && run.state === 'awaiting_approval' ? [`*Expires:* ${absoluteTime(approval.expiresAt)}`] : []),
    `*Approved by:* ${approvers.length ? approvers.join(', ') : 'nobody yet'} (${approvers.length}/${approval.needed})`,
    ...(approval.rejectedBy ? [`*Rejected by:* ${requesterMrkdwn(approval.rejectedBy)}`] : []),
    ...(approval.hash ? [`*Plan:* ${inlineCode(approval.hash.slice(0, 12), 20)} (approvals are bound to this plan)`] : []),
  ]);
  if (!plan) return;
  if (!plan.length) {
    list.lines(['The dry run changes nothing.']);
    return;
  }
  list.lines([`*What would change* (server-side dry run, ${plan.length}):`]);
  for (const change of plan) {
    list.lines([`• ${escapeFit(change.summary, 400)}`]);
    if (change.diff.trim()) list.code(change.diff);
  }
}

/** Approve and Reject, bound to the plan shown (its hash). */
export function approvalButtons(run: RunRecord): ActionsBlock | undefined {
  const hash = run.approval?.hash;
  if (run.state !== 'awaiting_approval' || !hash) return undefined;
  const value = JSON.stringify({ run: run.id, hash } satisfies ApprovalButtonValue);
  const approve: Button = {
    type: 'button',
    action_id: IDS.approveAction,
    text: plain('Approve', LIMITS.buttonText),
    value,
    style: 'primary',
    confirm: {
      title: plain('Approve this change?', LIMITS.confirmTitle),
      text: plain(`${run.runbook} on ${run.cluster} will make the changes shown, as ${run.requester.name ?? run.requester.id} asked.`, LIMITS.confirmText),
      confirm: plain('Approve', LIMITS.confirmButton),
      deny: plain('Not yet', LIMITS.confirmButton),
    },
  };
  const reject: Button = { type: 'button', action_id: IDS.rejectAction, text: plain('Reject', LIMITS.buttonText), value, style: 'danger' };
  return { type: 'actions', elements: [approve, reject] };
}
