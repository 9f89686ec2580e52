/**
 * The Block Kit limits a chat bot hits first in practice (long log excerpts,
 * many steps), checked the way Slack checks them, so tests catch a message
 * Slack would refuse. Not a full Block Kit validator.
 */
import { SlackFailure, invalidArguments } from './failure.js';

/** Blocks per message; modals and Home tabs allow 100. */
export const MAX_MESSAGE_BLOCKS = 50;
export const MAX_VIEW_BLOCKS = 100;
const MAX_SECTION_TEXT = 3000;
const MAX_HEADER_TEXT = 150;

function textOf(block: Record<string, unknown>): string | undefined {
  const text = block.text;
  if (typeof text !== 'object' || text === null) return undefined;
  const value = (text as Record<string, unknown>).text;
  return typeof value === 'string' ? value : undefined;
}

/** Problems as Slack words them: a message and a JSON pointer. */
function problems(blocks: unknown[], max: number, pointer: string): string[] {
  const found: string[] = [];
  if (blocks.length > max) found.push(`must be less than ${max + 1} items [json-pointer:${pointer}]`);
  blocks.forEach((block, i) => {
    if (typeof block !== 'object' || block === null || typeof (block as Record<string, unknown>).type !== 'string') {
      found.push(`missing required field: type [json-pointer:${pointer}/${i}]`);
      return;
    }
    const b = block as Record<string, unknown>;
    const text = textOf(b);
    const limit = b.type === 'section' ? MAX_SECTION_TEXT : b.type === 'header' ? MAX_HEADER_TEXT : undefined;
    if (text !== undefined && limit !== undefined && text.length > limit) {
      found.push(`must be less than ${limit + 1} characters [json-pointer:${pointer}/${i}/text/text]`);
    }
  });
  return found;
}

/** chat.postMessage / chat.update / chat.postEphemeral: `invalid_blocks_format` or `invalid_blocks`. */
export function checkMessageBlocks(blocks: unknown): unknown[] | undefined {
  if (blocks === undefined) return undefined;
  if (!Array.isArray(blocks)) throw new SlackFailure('invalid_blocks_format');
  const list = blocks as unknown[];
  const found = problems(list, MAX_MESSAGE_BLOCKS, '/blocks');
  if (found.length > 0) {
    throw new SlackFailure('invalid_blocks', { errors: found, response_metadata: { messages: found.map((m) => `[ERROR] ${m}`) } });
  }
  return list;
}

/** views.*: a view object with a type and valid blocks, else `invalid_arguments`. */
export function checkView(view: unknown): Record<string, unknown> {
  if (typeof view !== 'object' || view === null || Array.isArray(view)) throw invalidArguments('missing required field: view');
  const v = view as Record<string, unknown>;
  if (typeof v.type !== 'string') throw invalidArguments('missing required field: type [json-pointer:/view]');
  if (!Array.isArray(v.blocks)) throw invalidArguments('missing required field: blocks [json-pointer:/view]');
  const found = problems(v.blocks, MAX_VIEW_BLOCKS, '/view/blocks');
  if (found.length > 0) throw invalidArguments(...found);
  return v;
}
