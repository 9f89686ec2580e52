import type { ChatMessage } from '../types.js';
import { context, header, message, section } from './layout.js';
import { escapeMrkdwn } from './mrkdwn.js';

interface Usage {
  usage: string;
  what: string;
  example: string;
}

const USAGES: Usage[] = [
  { usage: 'help', what: 'Show this list.', example: 'help' },
  {
    usage: 'runbooks [filter] [page]',
    what: 'The runbook catalogue: params with types and defaults, risk, approval, triggers and concurrency key, a page at a time. `list` is the same.',
    example: 'runbooks restart',
  },
  { usage: 'describe <runbook>', what: 'One runbook in full (`runbooks` with its name does the same): params, triggers, approval, limits and an example.', example: 'describe restart-deployment' },
  {
    usage: 'run <runbook> key=value … [--cluster NAME] [--dry-run]',
    what: 'Start a run; missing params open a form. --dry-run plans the changes without applying them.',
    example: 'run restart-deployment namespace=shop deployment=web --cluster prod --dry-run',
  },
  { usage: 'status <run-id>', what: 'State, steps and changes of a run.', example: 'status r1a2b3c4' },
  { usage: 'cancel <run-id>', what: 'Stop a queued or running run before its next step.', example: 'cancel r1a2b3c4' },
  { usage: 'approve <run-id> [plan]', what: 'Show the plan of a run waiting for approval; with the plan hash it shows, approve exactly that plan (the buttons do the same).', example: 'approve r1a2b3c4 e8d3102e4072' },
  { usage: 'reject <run-id>', what: 'Reject a run waiting for approval; the requester may withdraw their own.', example: 'reject r1a2b3c4' },
  { usage: 'history [runbook]', what: 'Recent runs, newest first.', example: 'history restart-deployment' },
  { usage: 'schedules', what: "The runbooks' schedules: next fire in each one's time zone, the last fire and run.", example: 'schedules' },
  { usage: 'clusters', what: 'Every cluster: those central workers serve, and the agent clusters with their agents, last seen and runs in flight.', example: 'clusters' },
  { usage: 'audit [runbook]', what: 'Recent audit events, and whether the log verifies.', example: 'audit scale-deployment' },
];

/** The subcommands, one line each with an example. */
export function helpMessage(command = '/drover'): ChatMessage {
  const cmd = escapeMrkdwn(command);
  const lines = USAGES.map((u) => `\`${cmd} ${escapeMrkdwn(u.usage)}\`\n${u.what} Example: \`${cmd} ${escapeMrkdwn(u.example)}\``);
  return message(`Drover commands: ${USAGES.map((u) => u.usage.split(' ')[0]).join(', ')}`, [
    header('Drover commands'),
    section(lines.join('\n\n')),
    context(`Params are \`key=value\`; quote values with spaces: \`deployment="my app"\`.`),
  ]);
}
