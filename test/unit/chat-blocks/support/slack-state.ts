import type { InputBlock, KnownBlock } from '@slack/types';
import type { ModalView } from '../../../../src/chat/types.js';

/** What a user leaves in an input: text for text and number inputs, option values for selects and checkboxes. */
export type Answer = string | null | string[];

const isInput = (b: unknown): b is InputBlock => (b as KnownBlock).type === 'input';

/**
 * Slack's `view.state.values` for a submitted modal, as Slack builds it: every
 * input block reports its element's value, the prefilled one unless `answers`
 * changes it (keyed by block id).
 */
export function submit(view: ModalView, answers: Record<string, Answer> = {}): Record<string, Record<string, unknown>> {
  const values: Record<string, Record<string, unknown>> = {};
  for (const block of view.blocks.filter(isInput)) {
    const el = block.element;
    const actionId = 'action_id' in el && el.action_id ? el.action_id : 'generated';
    const answer = answers[block.block_id ?? ''];
    let state: Record<string, unknown>;
    switch (el.type) {
      case 'plain_text_input':
      case 'number_input': {
        const value = answer === undefined ? (el.initial_value ?? null) : answer;
        state = { type: el.type, value: Array.isArray(value) ? value.join(',') : value };
        break;
      }
      case 'static_select': {
        const chosen = answer === undefined ? el.initial_option : el.options?.find((o) => o.value === answer);
        state = { type: el.type, selected_option: chosen ?? null };
        break;
      }
      case 'checkboxes': {
        const picked = answer === undefined ? (el.initial_options ?? []) : el.options.filter((o) => Array.isArray(answer) && answer.includes(o.value ?? ''));
        state = { type: el.type, selected_options: picked };
        break;
      }
      default:
        throw new Error(`no simulation for ${el.type}`);
    }
    values[block.block_id ?? ''] = { [actionId]: state };
  }
  return values;
}

export function inputBlock(view: ModalView, blockId: string): InputBlock {
  const block = view.blocks.find((b) => isInput(b) && b.block_id === blockId);
  if (!block || !isInput(block)) throw new Error(`no input block ${blockId}`);
  return block;
}
