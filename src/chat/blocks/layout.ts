import type { ContextBlock, DividerBlock, HeaderBlock, KnownBlock, MrkdwnElement, PlainTextElement, SectionBlock } from '@slack/types';
import type { ChatMessage } from '../types.js';
import { LIMITS } from './limits.js';
import { codeBlock, escapeFit, moreLines, mrkdwnFit, plainFit } from './mrkdwn.js';

export const mrkdwn = (text: string): MrkdwnElement => ({ type: 'mrkdwn', text });
export const plain = (text: string, max: number = LIMITS.textObject): PlainTextElement => ({
  type: 'plain_text',
  text: plainFit(text || ' ', max),
  emoji: true,
});

/** A header: plain text, so nothing in it is parsed and it needs no escaping. */
export const header = (text: string): HeaderBlock => ({ type: 'header', text: plain(text, LIMITS.headerText) });
// Slack rejects empty text objects.
export const section = (text: string): SectionBlock => ({ type: 'section', text: mrkdwn(mrkdwnFit(text || ' ', LIMITS.sectionText)) });
export const context = (text: string): ContextBlock => ({ type: 'context', elements: [mrkdwn(mrkdwnFit(text || ' ', LIMITS.textObject))] });
export const divider = (): DividerBlock => ({ type: 'divider' });

/** A two-column section of `*Label:* value` fields. */
export function fields(items: string[]): SectionBlock {
  return { type: 'section', fields: items.slice(0, LIMITS.sectionFields).map((f) => mrkdwn(mrkdwnFit(f, LIMITS.fieldText))) };
}

/** Characters of text a block carries, counted against the message budget. */
export function blockChars(block: KnownBlock): number {
  const texts: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if ((key === 'text' || key === 'value') && typeof v === 'string') texts.push(v);
        else visit(v);
      }
    }
  };
  visit(block);
  return texts.reduce((n, t) => n + t.length, 0);
}

/**
 * Blocks of a message within Slack's limits: at most `maxBlocks` blocks and
 * `maxChars` characters of text. What does not fit is counted, and `finish()`
 * ends the message with a `… (N more lines)` context.
 */
export class BlockList {
  private readonly blocks: KnownBlock[] = [];
  private chars = 0;
  private omitted = 0;

  constructor(
    // Room is kept for the truncation marker and a final actions block.
    private readonly maxBlocks: number = LIMITS.messageBlocks - 2,
    private readonly maxChars: number = LIMITS.messageChars - 400,
  ) {}

  get full(): boolean {
    return this.blocks.length >= this.maxBlocks || this.maxChars - this.chars < 100;
  }

  /** Adds a block if it fits; otherwise counts `lines` as omitted. */
  add(block: KnownBlock, lines = 1): boolean {
    const size = blockChars(block);
    if (this.blocks.length >= this.maxBlocks || this.chars + size > this.maxChars) {
      this.omitted += lines;
      return false;
    }
    this.blocks.push(block);
    this.chars += size;
    return true;
  }

  /** Lines of mrkdwn, packed into as few sections as fit. */
  lines(lines: readonly string[]): void {
    let rest = [...lines];
    while (rest.length) {
      const room = Math.min(LIMITS.sectionText, this.maxChars - this.chars);
      if (this.full || room < 100) {
        this.omitted += rest.length;
        return;
      }
      let used = 0;
      let n = 0;
      for (const line of rest) {
        const width = line.length + (n ? 1 : 0);
        if (used + width > room) break;
        used += width;
        n++;
      }
      // A single line longer than a section is cut rather than dropped.
      this.add(section(n ? rest.slice(0, n).join('\n') : mrkdwnFit(rest[0] ?? '', room)));
      rest = rest.slice(Math.max(n, 1));
    }
  }

  /** Raw text (a diff) as a code block, cut to the room left; its lines are counted as omitted when none is left. */
  code(raw: string): void {
    const room = Math.min(LIMITS.sectionText, this.maxChars - this.chars);
    const lineCount = raw.replace(/\n$/, '').split('\n').length;
    if (this.full || room < 200) {
      this.omitted += lineCount;
      return;
    }
    this.add(section(codeBlock(raw, room)), lineCount);
  }

  /** The blocks, with the truncation marker and then `tail` (an actions block), which always fit. */
  finish(...tail: KnownBlock[]): KnownBlock[] {
    const out = [...this.blocks];
    if (this.omitted) out.push(context(moreLines(this.omitted)));
    return [...out, ...tail];
  }
}

/** A message: the notification fallback (raw text, escaped here) and its blocks. */
export function message(fallback: string, blocks: KnownBlock[]): ChatMessage {
  return { text: escapeFit(fallback, LIMITS.fallbackText), blocks };
}
