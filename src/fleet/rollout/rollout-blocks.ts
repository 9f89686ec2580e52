import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import { context, plain, section } from '../../chat/blocks/layout.js';
import { LIMITS } from '../../chat/blocks/limits.js';
import { escapeMrkdwn } from '../../chat/blocks/mrkdwn.js';
import type { ChatMessage } from '../../chat/types.js';
import type { Rollout } from './plan.js';
import type { RolloutNews } from './rollout-controller.js';
import { rolloutLines } from './rollout-text.js';

/** Action ids of a rollout message's buttons. */
export const ROLLOUT_ACTIONS = {
  approve: 'drover_rollout_approve',
  reject: 'drover_rollout_reject',
  resume: 'drover_rollout_resume',
  abort: 'drover_rollout_abort',
} as const;

export type RolloutVerb = keyof typeof ROLLOUT_ACTIONS;

/** What a rollout button carries: the rollout, and the plan the clicker saw. */
export interface RolloutButtonValue {
  rollout: string;
  hash: string;
}

export function parseRolloutValue(value: string | undefined): RolloutButtonValue | undefined {
  try {
    const parsed = JSON.parse(value ?? '') as Partial<RolloutButtonValue>;
    return typeof parsed.rollout === 'string' && typeof parsed.hash === 'string' ? { rollout: parsed.rollout, hash: parsed.hash } : undefined;
  } catch {
    return undefined;
  }
}

function button(verb: RolloutVerb, label: string, rollout: Rollout, style?: 'primary' | 'danger'): Button {
  const value = JSON.stringify({ rollout: rollout.id, hash: rollout.hash } satisfies RolloutButtonValue);
  return { type: 'button', action_id: ROLLOUT_ACTIONS[verb], text: plain(label, LIMITS.buttonText), value, ...(style ? { style } : {}) };
}

function buttons(rollout: Rollout): ActionsBlock | undefined {
  switch (rollout.state) {
    case 'awaiting_approval': {
      const approve = button('approve', 'Approve', rollout, 'primary');
      approve.confirm = {
        title: plain('Approve this rollout?', LIMITS.confirmTitle),
        text: plain(`${rollout.runbook} will run on ${rollout.clusters.length} cluster(s) in batches, as ${rollout.requester.name ?? rollout.requester.id} asked.`, LIMITS.confirmText),
        confirm: plain('Approve', LIMITS.confirmButton),
        deny: plain('Not yet', LIMITS.confirmButton),
      };
      return { type: 'actions', elements: [approve, button('reject', 'Reject', rollout, 'danger')] };
    }
    case 'paused':
      return { type: 'actions', elements: [button('resume', 'Resume', rollout, 'primary'), button('abort', 'Abort', rollout, 'danger')] };
    case 'running':
      return { type: 'actions', elements: [button('abort', 'Abort', rollout, 'danger')] };
    default:
      return undefined;
  }
}

/**
 * The one message a rollout is shown in, updated as it goes: the plan, the
 * counts, the current batch, the failures (bounded lines), and the buttons its
 * state allows. Approve and Reject carry the plan's hash.
 */
export function rolloutMessage(rollout: Rollout): ChatMessage {
  const [plan, ...rest] = rolloutLines(rollout);
  const blocks: KnownBlock[] = [section(`*${escapeMrkdwn(plan ?? '')}*`)];
  if (rest.length) blocks.push(section(rest.map(escapeMrkdwn).join('\n')));
  blocks.push(context(`Rollout ${rollout.id} · plan ${rollout.hash.slice(0, 12)} · asked by ${escapeMrkdwn(rollout.requester.name ?? rollout.requester.id)}`));
  const actions = buttons(rollout);
  if (actions) blocks.push(actions);
  return { text: `Rollout ${rollout.id} of ${rollout.runbook}: ${rollout.state.replace('_', ' ')}`, blocks };
}

/** At most this many failures get a thread reply of their own per look; the rest are counted in one. */
const FAILURE_REPLIES = 5;

/** Thread replies for what happened in one look of the controller: a batch started, clusters failed, a pause, the end. */
export function newsReplies(news: RolloutNews[]): string[] {
  const out: string[] = [];
  const failures = news.filter((n): n is Extract<RolloutNews, { type: 'failed' }> => n.type === 'failed');
  for (const n of news) {
    if (n.type === 'batch') {
      const names = n.clusters.length > 10 ? `${n.clusters.slice(0, 10).join(', ')} and ${n.clusters.length - 10} more` : n.clusters.join(', ');
      out.push(`Batch ${n.batch + 1} of ${n.batches} started: ${names}.`);
    }
  }
  for (const f of failures.slice(0, FAILURE_REPLIES)) out.push(`✗ ${f.cluster}${f.runId ? ` (run ${f.runId})` : ''}: ${f.error}`);
  if (failures.length > FAILURE_REPLIES) out.push(`✗ … and ${failures.length - FAILURE_REPLIES} more cluster(s) failed (drover rollout status shows them).`);
  for (const n of news) {
    if (n.type === 'paused') out.push(n.reason);
    if (n.type === 'ended') out.push(`Rollout ${n.state}: ${n.reason}`);
  }
  return out;
}
