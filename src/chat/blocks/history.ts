import type { RunRecord } from '../../jobs/run-record.js';
import type { ChatMessage } from '../types.js';
import { STATE_MARKER, relativeTime, requesterMrkdwn } from './format.js';
import { BlockList, header, message, section } from './layout.js';
import { LIMITS } from './limits.js';
import { escapeFit, inlineCode } from './mrkdwn.js';

function runLine(run: RunRecord, now: Date): string {
  const dry = run.dryRun ? ' (dry run)' : '';
  return [
    `${STATE_MARKER[run.state]} ${inlineCode(run.id, 150)} ${run.state}`,
    `*${escapeFit(run.runbook, 200)}* on ${escapeFit(run.cluster, 200)}${dry}`,
    requesterMrkdwn(run.requester),
    relativeTime(run.createdAt, now),
  ].join(' · ');
}

/** Recent runs, newest first, one line each. */
export function historyMessage(runs: RunRecord[], runbook?: string, options: { now?: Date } = {}): ChatMessage {
  const now = options.now ?? new Date();
  const title = runbook ? `Recent runs of ${runbook}` : 'Recent runs';
  if (!runs.length) {
    const text = runbook ? `No runs of ${runbook} yet.` : 'No runs yet.';
    return message(text, [section(escapeFit(text, LIMITS.sectionText))]);
  }
  const newestFirst = [...runs].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  const list = new BlockList();
  list.add(header(title));
  list.lines(newestFirst.map((run) => runLine(run, now)));
  return message(`${title}: ${newestFirst.map((r) => `${r.id} ${r.state}`).join(', ')}`, list.finish());
}
