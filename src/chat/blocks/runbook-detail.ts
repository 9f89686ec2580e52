import type { ParamInfo } from '../../runbook/params.js';
import type { ChatMessage, RunbookDetail } from '../types.js';
import { channelMrkdwn } from './format.js';
import { BlockList, fields, header, message, section } from './layout.js';
import { codeBlock, escapeFit, escapeMrkdwn } from './mrkdwn.js';
import { exampleValue, paramFacts } from './param-facts.js';
import { scheduleText } from './runbook-list.js';

function paramLine(p: ParamInfo): string {
  const facts = escapeFit(paramFacts(p).join(', '), 600);
  const description = p.description ? `: ${escapeFit(p.description, 400)}` : '';
  return `• \`${escapeMrkdwn(p.name)}\` (${facts})${description}`;
}

function approvalText(a: RunbookDetail['approval']): string {
  if (a.required === 'never') return 'not required';
  const who = `${a.approvers} approver${a.approvers === 1 ? '' : 's'}`;
  const when = a.required === 'always' ? 'always' : 'unless dry run';
  return `${when}, ${who}${a.timeout ? `, expires after ${a.timeout}` : ''}`;
}

function rateLimitText(r: RunbookDetail['rateLimit']): string {
  if (!r) return 'none';
  return `${r.maxRuns} run${r.maxRuns === 1 ? '' : 's'} per ${r.window}${r.cooldown ? `, ${r.cooldown} cooldown` : ''}`;
}

/** `/drover run <name> required=… --dry-run`: required params, with example values. */
export function exampleCommand(rb: RunbookDetail, command: string): string {
  const pairs = rb.params.filter((p) => p.required).map((p) => `${p.name}=${exampleValue(p)}`);
  return [command, 'run', rb.chatName, ...pairs, '--dry-run'].join(' ');
}

/** Everything about one runbook: params, triggers, approval, limits, where it may run, and an example. */
export function runbookDetailMessage(rb: RunbookDetail, command = '/drover'): ChatMessage {
  const list = new BlockList();
  list.add(header(rb.chatName));
  list.lines([escapeFit(rb.summary, 500), ...(rb.description ? [escapeFit(rb.description, 2500)] : [])]);
  list.add(
    fields([
      `*Id:* ${escapeFit(rb.id, 200)}`,
      `*Risk:* ${rb.risk}`,
      `*Approval:* ${escapeFit(approvalText(rb.approval), 300)}`,
      `*Rate limit:* ${escapeFit(rateLimitText(rb.rateLimit), 300)}`,
      `*Timeout:* ${escapeFit(rb.timeout ?? 'default', 100)}`,
      `*Channels:* ${rb.channels.length ? rb.channels.slice(0, 20).map(channelMrkdwn).join(', ') : 'any'}`,
      `*Concurrency key:* ${escapeFit(rb.concurrencyKey, 300)}`,
    ]),
  );
  list.lines([`*Params*`, ...(rb.params.length ? rb.params.map(paramLine) : ['none'])]);
  // With where each param comes from, as the catalogue shows it; the bare rules when a summary has no mapping.
  const alertTexts = rb.alertTriggers.length ? rb.alertTriggers : rb.alerts;
  const alerts = alertTexts.map((a) => `• alert ${escapeFit(a, 400)}`);
  const chat = rb.hidden ? '• chat: hidden (CLI and alerts only)' : `• chat \`${escapeMrkdwn(`${command} run ${rb.chatName}`)}\``;
  list.lines([`*Triggers*`, chat, ...alerts, ...rb.schedules.map((s) => `• ${scheduleText(s)}`)]);
  list.add(section(`*Example*\n${codeBlock(exampleCommand(rb, command), 2000)}`));
  return message(`${rb.chatName}: ${rb.summary}`, list.finish());
}
