import type { ParamInfo } from '../../runbook/params.js';
import type { ChatMessage, RunbookSummary } from '../types.js';
import { valueText } from './format.js';
import { BlockList, header, message, section } from './layout.js';
import { LIMITS } from './limits.js';
import { escapeFit, escapeMrkdwn } from './mrkdwn.js';

/** Raw text: `required: a, b · optional: c=3, d`. */
function paramsLine(params: ParamInfo[]): string {
  if (!params.length) return 'no params';
  const required = params.filter((p) => p.required).map((p) => p.name);
  const optional = params.filter((p) => !p.required).map((p) => (p.default === undefined ? p.name : `${p.name}=${valueText(p.default)}`));
  return [required.length ? `required: ${required.join(', ')}` : '', optional.length ? `optional: ${optional.join(', ')}` : '']
    .filter(Boolean)
    .join(' · ');
}

/** One compact entry per runbook: chat name, risk, summary and its params (required ones first). */
export function runbookListMessage(runbooks: RunbookSummary[], filter?: string): ChatMessage {
  if (!runbooks.length) {
    const text = filter ? `No runbooks match "${filter}".` : 'No runbooks are registered.';
    return message(text, [section(escapeFit(text, LIMITS.sectionText))]);
  }
  const title = filter ? `Runbooks matching "${filter}"` : 'Runbooks';
  const list = new BlockList();
  list.add(header(title));
  list.lines(
    runbooks.map(
      (rb) => `• *${escapeMrkdwn(rb.chatName)}* (${rb.risk} risk): ${escapeFit(rb.summary, 300)}\n    ${escapeFit(paramsLine(rb.params), 600)}`,
    ),
  );
  return message(`${title}: ${runbooks.map((rb) => rb.chatName).join(', ')}`, list.finish());
}
