/**
 * An independent check of Slack's Block Kit limits, from the Block Kit
 * reference, so a builder bug cannot hide behind the limits it was written
 * against. Returns the problems found; an empty list means Slack would accept it.
 */
import type { ChatMessage, ModalView } from '../../../../src/chat/types.js';

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

// mrkdwn may contain only these `<…>` tokens (our mentions); anything else is injected markup.
const ALLOWED_TOKEN = /^<(@[UW][A-Z0-9]+|#[CGD][A-Z0-9]+)>$/;

function checkText(where: string, t: unknown, max: number, out: string[], plainOnly = false): void {
  if (!isObj(t)) return void out.push(`${where}: missing text object`);
  const text = str(t.text);
  if (t.type !== 'plain_text' && t.type !== 'mrkdwn') out.push(`${where}: text type ${String(t.type)}`);
  if (plainOnly && t.type !== 'plain_text') out.push(`${where}: must be plain_text`);
  if (text.length < 1) out.push(`${where}: empty text`);
  if (text.length > max) out.push(`${where}: ${text.length} > ${max} chars`);
  if (t.type === 'mrkdwn') {
    for (const m of text.match(/<[^>]*>?/g) ?? []) if (!ALLOWED_TOKEN.test(m)) out.push(`${where}: unescaped markup ${m.slice(0, 40)}`);
    if (/&(?!(amp|lt|gt);)/.test(text)) out.push(`${where}: unescaped &`);
  }
}

function checkOption(where: string, o: unknown, out: string[]): string {
  if (!isObj(o)) return '';
  checkText(`${where}.text`, o.text, 75, out);
  const value = str(o.value);
  if (value.length < 1 || value.length > 75) out.push(`${where}.value: length ${value.length}`);
  return value;
}

function checkElement(where: string, e: unknown, out: string[]): void {
  if (!isObj(e)) return void out.push(`${where}: missing element`);
  if (str(e.action_id).length > 255) out.push(`${where}: action_id too long`);
  const options = arr(e.options).map((o, i) => checkOption(`${where}.options[${i}]`, o, out));
  if (new Set(options).size !== options.length) out.push(`${where}: duplicate option values`);
  switch (e.type) {
    case 'button':
      checkText(`${where}.text`, e.text, 75, out, true);
      if (str(e.value).length > 2000) out.push(`${where}: value too long`);
      if (isObj(e.confirm)) {
        checkText(`${where}.confirm.title`, e.confirm.title, 100, out, true);
        checkText(`${where}.confirm.text`, e.confirm.text, 300, out);
        checkText(`${where}.confirm.confirm`, e.confirm.confirm, 30, out, true);
        checkText(`${where}.confirm.deny`, e.confirm.deny, 30, out, true);
      }
      break;
    case 'plain_text_input':
      if (str(e.initial_value).length > 3000) out.push(`${where}: initial_value > 3000`);
      break;
    case 'number_input': {
      const v = e.initial_value;
      if (v !== undefined) {
        const n = Number(v);
        if (!Number.isFinite(n)) out.push(`${where}: initial_value not a number`);
        if (e.is_decimal_allowed === false && !Number.isInteger(n)) out.push(`${where}: decimal initial_value`);
        if (e.min_value !== undefined && n < Number(e.min_value)) out.push(`${where}: initial_value < min`);
        if (e.max_value !== undefined && n > Number(e.max_value)) out.push(`${where}: initial_value > max`);
      }
      break;
    }
    case 'static_select':
      if (options.length < 1 || options.length > 100) out.push(`${where}: ${options.length} options`);
      if (isObj(e.initial_option) && !options.includes(str(e.initial_option.value))) out.push(`${where}: initial_option not in options`);
      break;
    case 'checkboxes':
      if (options.length < 1 || options.length > 10) out.push(`${where}: ${options.length} checkbox options`);
      for (const o of arr(e.initial_options)) if (isObj(o) && !options.includes(str(o.value))) out.push(`${where}: initial option not in options`);
      break;
  }
}

function checkBlock(where: string, b: unknown, inModal: boolean, out: string[]): void {
  if (!isObj(b)) return void out.push(`${where}: not an object`);
  if (str(b.block_id).length > 255) out.push(`${where}: block_id too long`);
  const actionIds = arr(b.elements).map((e) => (isObj(e) ? str(e.action_id) : '')).filter(Boolean);
  if (new Set(actionIds).size !== actionIds.length) out.push(`${where}: duplicate action_id in block`);
  switch (b.type) {
    case 'header':
      checkText(`${where}.text`, b.text, 150, out, true);
      break;
    case 'section':
      if (b.text === undefined && b.fields === undefined) out.push(`${where}: section without text or fields`);
      if (b.text !== undefined) checkText(`${where}.text`, b.text, 3000, out);
      if (arr(b.fields).length > 10) out.push(`${where}: more than 10 fields`);
      arr(b.fields).forEach((f, i) => checkText(`${where}.fields[${i}]`, f, 2000, out));
      break;
    case 'context':
      if (arr(b.elements).length < 1 || arr(b.elements).length > 10) out.push(`${where}: context elements`);
      arr(b.elements).forEach((e, i) => checkText(`${where}.elements[${i}]`, e, 3000, out));
      break;
    case 'actions':
      if (arr(b.elements).length < 1 || arr(b.elements).length > 25) out.push(`${where}: actions elements`);
      arr(b.elements).forEach((e, i) => checkElement(`${where}.elements[${i}]`, e, out));
      break;
    case 'input':
      if (!inModal) out.push(`${where}: input block outside a modal`);
      checkText(`${where}.label`, b.label, 2000, out, true);
      if (b.hint !== undefined) checkText(`${where}.hint`, b.hint, 2000, out, true);
      checkElement(`${where}.element`, b.element, out);
      break;
    case 'divider':
      break;
    default:
      out.push(`${where}: unexpected block type ${String(b.type)}`);
  }
}

function textLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + textLength(v), 0);
  if (!isObj(value)) return 0;
  return Object.entries(value).reduce((n, [k, v]) => n + (k === 'text' && typeof v === 'string' ? v.length : textLength(v)), 0);
}

/** Problems Slack would reject (or silently cut) in a message or modal. */
export function slackProblems(m: ChatMessage | ModalView): string[] {
  const out: string[] = [];
  const modal = 'type' in m && m.type === 'modal';
  const blocks: unknown[] = arr(m.blocks);
  if (blocks.length > (modal ? 100 : 50)) out.push(`${blocks.length} blocks`);
  const blockIds = blocks.map((b) => (isObj(b) ? str(b.block_id) : '')).filter(Boolean);
  if (new Set(blockIds).size !== blockIds.length) out.push('duplicate block_id');
  blocks.forEach((b, i) => checkBlock(`blocks[${i}]`, b, modal, out));
  if (modal) {
    const v = m;
    checkText('title', v.title, 24, out, true);
    checkText('submit', v.submit, 24, out, true);
    checkText('close', v.close, 24, out, true);
    if (str(v.private_metadata).length > 3000) out.push('private_metadata > 3000');
  } else {
    const text = str((m as ChatMessage).text);
    if (text.length < 1 || text.length > 4000) out.push(`fallback text length ${text.length}`);
    checkText('text', { type: 'mrkdwn', text }, 4000, out);
    // Slack answers msg_blocks_too_long well before 50 × 3000 characters (bolt-js#2509: about 13,000).
    const total = textLength(blocks);
    if (total > 12_000) out.push(`blocks carry ${total} chars of text`);
  }
  return out;
}
