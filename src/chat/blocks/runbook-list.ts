import type { ChatMessage, RunbookSummary } from '../types.js';
import { BlockList, context, header, message, section } from './layout.js';
import { LIMITS } from './limits.js';
import { escapeFit, escapeMrkdwn, inlineCode } from './mrkdwn.js';
import { paramFacts } from './param-facts.js';

/** Text of the entries on one page: room is kept for the header and the footer. */
const PAGE_CHARS = 8000;
const PAGE_ENTRIES = 15;

/** `schedule nightly \`0 3 * * *\` (Europe/Paris)`: the cron in code, so its stars are not bold. */
export function scheduleText(s: RunbookSummary['schedules'][number]): string {
  return `schedule ${escapeFit(s.name, 80)} ${inlineCode(s.cron, 100)} (${escapeFit(s.timeZone, 60)})`;
}

/** One runbook as the catalogue shows it: name, risk, approval, summary, params, triggers, concurrency key. */
function entry(rb: RunbookSummary, command: string): string {
  const params = rb.params.length ? rb.params.map((p) => `${inlineCode(p.name, 80)} ${escapeFit(paramFacts(p).join(', '), 200)}`).join(' · ') : 'none';
  const chat = rb.hidden ? 'hidden from chat (CLI and alerts only)' : inlineCode(`${command} run ${rb.chatName}`, 150);
  const triggers = [chat, ...rb.alertTriggers.map((a) => `alert ${escapeFit(a, 300)}`), ...rb.schedules.map(scheduleText)].join(' · ');
  return [
    `• *${escapeMrkdwn(rb.chatName)}* · ${rb.risk} risk · approval: ${escapeFit(rb.approvalText, 150)}`,
    `    ${escapeFit(rb.summary, 300)}`,
    `    params: ${escapeFit(params, 1200)}`,
    `    triggers: ${escapeFit(triggers, 900)}`,
    `    concurrency key: ${escapeFit(rb.concurrencyKey, 200)}`,
  ].join('\n');
}

/** Entries split into pages that each fit one message, in order. */
export function cataloguePages(entries: readonly string[]): string[][] {
  const pages: string[][] = [];
  let page: string[] = [];
  let chars = 0;
  for (const text of entries) {
    if (page.length && (chars + text.length > PAGE_CHARS || page.length >= PAGE_ENTRIES)) {
      pages.push(page);
      page = [];
      chars = 0;
    }
    page.push(text);
    chars += text.length;
  }
  if (page.length) pages.push(page);
  return pages;
}

export interface RunbookListOptions {
  /** 1-based; past the last page shows the last. */
  page?: number;
  command?: string;
}

/**
 * The runbook catalogue in chat (`/drover runbooks`, `/drover list`): what the
 * Markdown catalogue says of each runbook, a page at a time within Slack's
 * limits, with the command for the next page and for one runbook in full.
 */
export function runbookListMessage(runbooks: RunbookSummary[], filter?: string, options: RunbookListOptions = {}): ChatMessage {
  const command = options.command ?? '/drover';
  if (!runbooks.length) {
    const text = filter ? `No runbooks match "${filter}".` : 'No runbooks are registered.';
    return message(text, [section(escapeFit(text, LIMITS.sectionText))]);
  }
  const pages = cataloguePages(runbooks.map((rb) => entry(rb, command)));
  const index = Math.min(Math.max(1, Math.floor(options.page ?? 1)), pages.length) - 1;
  const title = filter ? `Runbooks matching "${filter}"` : 'Runbooks';
  const list = new BlockList();
  list.add(header(pages.length > 1 ? `${title} (${index + 1}/${pages.length})` : title));
  for (const text of pages[index] ?? []) list.add(section(text));
  const next = index + 1 < pages.length ? `next page: ${inlineCode(`${command} runbooks ${filter ? `${filter} ` : ''}${index + 2}`, 200)} · ` : '';
  const where = pages.length > 1 ? `Page ${index + 1} of ${pages.length} (${runbooks.length} runbooks) · ` : '';
  list.add(context(`${where}${next}one in full: ${inlineCode(`${command} runbooks <name>`, 100)}`));
  const names = (pages[index] ?? []).length === runbooks.length ? runbooks.map((rb) => rb.chatName).join(', ') : `page ${index + 1} of ${pages.length}`;
  return message(`${title}: ${names}`, list.finish());
}
