import type { ChatMessage } from '../types.js';
import { header, message, section } from './layout.js';
import { LIMITS } from './limits.js';
import { codeBlock } from './mrkdwn.js';

/** Recent audit events, one line each (already described and redacted), newest last. */
export function auditMessage(lines: string[], verified: { ok: boolean; detail: string }): ChatMessage {
  const body = lines.length ? codeBlock(lines.join('\n'), LIMITS.sectionText) : '_No events yet._';
  const status = verified.ok ? `Chain intact: ${verified.detail}` : `:warning: Chain broken: ${verified.detail}`;
  return message(`Audit log: ${lines.length} recent events. ${status}`, [header('Audit log'), section(body), section(status)]);
}
