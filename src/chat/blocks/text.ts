import type { InputBlockElement, KnownBlock, MrkdwnElement, PlainTextElement } from '@slack/types';
import { IDS, type ChatMessage, type ModalView } from '../types.js';
import { parseApprovalValue } from './approval.js';
import { unescapeMrkdwn } from './mrkdwn.js';

type TextObject = PlainTextElement | MrkdwnElement;

/** Slack's `<…>` tokens as a terminal shows them. */
function token(inner: string): string {
  const [target = '', label] = inner.split('|', 2);
  if (target.startsWith('@')) return label ? `@${label.replace(/^@/, '')}` : target;
  if (target.startsWith('#')) return label ? `#${label}` : target;
  if (target.startsWith('!date^')) return label ?? target;
  if (target.startsWith('!subteam^')) return label ?? `@${target.slice('!subteam^'.length)}`;
  if (target.startsWith('!')) return `@${target.slice(1)}`;
  return label ? `${label} (${target})` : target;
}

/**
 * mrkdwn as plain text: `*bold*` loses its stars, `<@U1>` is `@U1`, `<#C1>` is
 * `#C1`, `<url|label>` is `label (url)`, entities are unescaped. Code (spans and
 * blocks) is kept as written.
 */
export function mrkdwnToText(text: string): string {
  return text
    .split(/(```[\s\S]*?```|`[^`\n]*`)/g)
    .map((part, i) => {
      if (i % 2 === 1) return unescapeMrkdwn(part);
      const plain = part.replace(/<([^<>\n]+)>/g, (_, inner: string) => token(inner)).replace(/\*([^*\n]+)\*/g, '$1');
      return unescapeMrkdwn(plain);
    })
    .join('');
}

const textOf = (t: TextObject | undefined): string => (!t ? '' : t.type === 'mrkdwn' ? mrkdwnToText(t.text) : t.text);

function inputValue(element: InputBlockElement): string {
  switch (element.type) {
    case 'plain_text_input':
    case 'number_input':
      return element.initial_value ?? '';
    case 'static_select':
      return element.initial_option ? textOf(element.initial_option.text) : '';
    case 'checkboxes':
      return element.initial_options?.length ? element.initial_options.map((o) => textOf(o.text)).join(', ') : 'no';
    default:
      return '';
  }
}

function inputKind(element: InputBlockElement): string {
  switch (element.type) {
    case 'number_input':
      return element.is_decimal_allowed ? 'number' : 'integer';
    case 'static_select':
      return `one of ${(element.options ?? []).map((o) => textOf(o.text)).join(', ')}`;
    case 'checkboxes':
      return `check: ${element.options.map((o) => textOf(o.text)).join(', ')}`;
    default:
      return 'text';
  }
}

function blockText(block: KnownBlock, command: string): string {
  switch (block.type) {
    case 'header':
      return block.text.text;
    case 'section': {
      const lines = [textOf(block.text), ...(block.fields ?? []).map(textOf)].filter(Boolean);
      return lines.join('\n');
    }
    case 'context':
      return block.elements.map((e) => ('text' in e && typeof e.text === 'string' ? textOf(e) : '')).join(' ');
    case 'divider':
      return '';
    case 'actions':
      return block.elements
        .map((e) => {
          if (e.type !== 'button') return '';
          if (e.action_id === IDS.cancelAction && e.value) return `[cancel: ${command} cancel ${e.value}]`;
          // Approve names the plan it is bound to, as typed approvals must.
          const approval = e.action_id === IDS.approveAction || e.action_id === IDS.rejectAction ? parseApprovalValue(e.value) : undefined;
          if (approval && e.action_id === IDS.approveAction) return `[approve: ${command} approve ${approval.run} ${approval.hash.slice(0, 12)}]`;
          if (approval) return `[reject: ${command} reject ${approval.run}]`;
          return `[${e.text.text}]`;
        })
        .filter(Boolean)
        .join(' ');
    case 'input': {
      const value = inputValue(block.element);
      const head = `- ${block.label.text}${block.optional ? ' (optional)' : ''} [${inputKind(block.element)}]${value ? `: ${value}` : ''}`;
      return block.hint ? `${head}\n    ${block.hint.text}` : head;
    }
    case 'markdown':
      return block.text;
    default:
      return '';
  }
}

const isModal = (m: ChatMessage | ModalView): m is ModalView => 'type' in m && m.type === 'modal';

/**
 * Any Drover message or modal as plain text for a terminal: headers, sections,
 * fields and context as lines, code kept, a divider as a blank line, the
 * Cancel button as `[cancel: /drover cancel <run-id>]`, Approve and Reject as
 * the commands that do the same (`[approve: /drover approve <run-id> <plan>]`). A modal is its title
 * and a list of its inputs.
 */
export function blocksToText(message: ChatMessage | ModalView, options: { command?: string } = {}): string {
  const command = options.command ?? '/drover';
  const blocks = message.blocks ?? [];
  const body = blocks.map((b) => blockText(b as KnownBlock, command));
  if (isModal(message)) {
    const buttons = [message.submit, message.close].filter(Boolean).map((b) => `[${b?.text}]`);
    return [message.title.text, ...body, buttons.join(' ')].join('\n').trimEnd();
  }
  if (!body.length) return mrkdwnToText(message.text);
  return body.join('\n').trimEnd();
}
