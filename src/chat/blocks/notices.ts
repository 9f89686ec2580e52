import type { KnownBlock } from '@slack/types';
import type { ChatMessage } from '../types.js';
import { context, message, section } from './layout.js';
import { LIMITS } from './limits.js';
import { escapeFit } from './mrkdwn.js';

/** A short, safe error, with an optional hint on what to do next. */
export function errorMessage(text: string, hint?: string): ChatMessage {
  const blocks: KnownBlock[] = [section(`❌ ${escapeFit(text, LIMITS.sectionText - 2)}`)];
  if (hint) blocks.push(context(escapeFit(hint, LIMITS.textObject)));
  return message(hint ? `${text} ${hint}` : text, blocks);
}

/** A neutral confirmation: "Cancellation of run X requested." */
export function noticeMessage(text: string): ChatMessage {
  return message(text, [section(escapeFit(text, LIMITS.sectionText))]);
}
