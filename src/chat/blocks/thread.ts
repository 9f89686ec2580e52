import { formatDuration } from '../../config/duration.js';
import type { RunEvent, StoredRunEvent } from '../../jobs/run-record.js';
import type { ChatMessage } from '../types.js';
import { BlockList, message } from './layout.js';
import { escapeFit, inlineCode } from './mrkdwn.js';
import { approvalLine } from '../../approvals/approval-text.js';

type StepEvent = Extract<RunEvent, { type: 'step' }>;

const took = (ms: number | undefined): string => (ms === undefined ? '' : ` (${formatDuration(ms)})`);
const stepName = (e: StepEvent): string => `*${escapeFit(e.step, 200)}*`;

/** One line for a step event; undefined for a `started` that a later event of the same batch makes redundant. */
function stepLine(e: StepEvent, finishedLater: boolean): string | undefined {
  switch (e.phase) {
    case 'started':
      return finishedLater ? undefined : `▸ ${stepName(e)} started`;
    case 'succeeded':
      return `✓ ${stepName(e)}${took(e.durationMs)}`;
    case 'failed':
      return `✗ ${stepName(e)} failed${took(e.durationMs)}${e.error ? `: ${escapeFit(e.error.message, 500)}` : ''}`;
    case 'replayed':
      return `↺ ${stepName(e)} done in an earlier attempt, not repeated`;
    case 'skipped':
      return `– ${stepName(e)} skipped (dry run)`;
  }
}

type Item = { kind: 'line'; text: string; plain: string } | { kind: 'diff'; text: string };

function items(events: StoredRunEvent[]): Item[] {
  const out: Item[] = [];
  const line = (text: string, plain: string) => out.push({ kind: 'line', text, plain });
  // Index of each step's last result in this batch: a `started` before it needs no line of its own.
  const lastResult = new Map<string, number>();
  events.forEach((e, i) => {
    if (e.type === 'step' && e.phase !== 'started') lastResult.set(e.step, i);
  });
  events.forEach((e, i) => {
    try {
      item(e, i);
    } catch {
      // An event not of the shape Drover writes (an agent writes its own runs' streams): not shown.
    }
  });
  return out;

  function item(e: StoredRunEvent, i: number): void {
    switch (e.type) {
      case 'step': {
        const text = stepLine(e, (lastResult.get(e.step) ?? -1) > i);
        if (text) line(text, `${e.step} ${e.phase}`);
        return;
      }
      case 'report':
        line(`» ${escapeFit(e.text, 1000)}`, e.text);
        return;
      case 'retry':
        line(
          `↻ attempt ${e.attempt} failed: ${escapeFit(e.error.message, 500)}. Retrying in ${formatDuration(e.delayMs)}.`,
          `attempt ${e.attempt} failed; retrying`,
        );
        return;
      case 'waiting':
        line(
          `⏸ waiting for ${inlineCode(e.concurrencyKey, 200)}, held by run ${inlineCode(e.heldBy, 150)}`,
          `waiting for ${e.concurrencyKey}`,
        );
        return;
      case 'change': {
        const c = e.change;
        line(`• ${escapeFit(c.summary, 400)}${c.dryRun ? ' (dry run)' : ''}`, c.summary);
        if (c.diff.trim()) out.push({ kind: 'diff', text: c.diff });
        return;
      }
      case 'approval':
        line(`✋ ${escapeFit(approvalLine(e), 500)}`, approvalLine(e));
        return;
      case 'state':
        // The parent message shows the state.
        return;
    }
  }
}

/**
 * Several run events as one thread reply: step lines with durations, reports
 * (`»`), retries, waits for the target, and each change with its diff in a
 * code block (cut to fit). Undefined when none of the events is worth a message.
 */
export function threadMessage(events: StoredRunEvent[]): ChatMessage | undefined {
  const all = items(events);
  if (!all.length) return undefined;
  const list = new BlockList();
  let pending: string[] = [];
  const flush = () => {
    if (pending.length) list.lines(pending);
    pending = [];
  };
  for (const item of all) {
    if (item.kind === 'line') pending.push(item.text);
    else {
      flush();
      list.code(item.text);
    }
  }
  flush();
  const plain = all.flatMap((i) => (i.kind === 'line' ? [i.plain] : []));
  return message(plain.join('\n'), list.finish());
}
