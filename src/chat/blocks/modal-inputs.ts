import type { Checkboxes, InputBlock, InputBlockElement, NumberInput, PlainTextInput, PlainTextOption, StaticSelect } from '@slack/types';
import type { ParamInfo } from '../../runbook/params.js';
import { IDS } from '../types.js';
import { choiceValue } from './choices.js';
import { valueText } from './format.js';
import { plain } from './layout.js';
import { LIMITS } from './limits.js';
import { paramFacts } from './param-facts.js';

/** The one option of a boolean param's checkboxes: checked is true, unchecked false. */
export const YES: PlainTextOption = { text: { type: 'plain_text', text: 'Yes' }, value: 'true' };

function textInput(value: string | undefined, placeholder?: string): PlainTextInput {
  return {
    type: 'plain_text_input',
    action_id: IDS.inputAction,
    ...(value ? { initial_value: value } : {}),
    ...(value?.includes('\n') ? { multiline: true } : {}),
    ...(placeholder ? { placeholder: plain(placeholder, LIMITS.placeholder) } : {}),
  };
}

function numberInput(p: ParamInfo, value: unknown): NumberInput {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  // Slack rejects the whole view for an initial value it would not accept from a user.
  const usable =
    Number.isFinite(n) &&
    (p.type !== 'integer' || Number.isInteger(n)) &&
    (p.minimum === undefined || n >= p.minimum) &&
    (p.maximum === undefined || n <= p.maximum);
  return {
    type: 'number_input',
    action_id: IDS.inputAction,
    is_decimal_allowed: p.type === 'number',
    ...(usable ? { initial_value: String(n) } : {}),
    ...(p.minimum !== undefined ? { min_value: String(p.minimum) } : {}),
    ...(p.maximum !== undefined ? { max_value: String(p.maximum) } : {}),
  };
}

function checkbox(value: unknown): Checkboxes {
  const checked = value === true || value === 'true';
  return { type: 'checkboxes', action_id: IDS.inputAction, options: [YES], ...(checked ? { initial_options: [YES] } : {}) };
}

function select(choices: unknown[], value: unknown): StaticSelect {
  const options: PlainTextOption[] = choices.map((c, i) => ({ text: plain(valueText(c), LIMITS.optionText), value: choiceValue(choices, i) }));
  const initial = value === undefined ? -1 : choices.findIndex((c) => valueText(c) === valueText(value));
  return {
    type: 'static_select',
    action_id: IDS.inputAction,
    placeholder: plain('Choose', LIMITS.placeholder),
    options,
    ...(initial >= 0 ? { initial_option: options[initial] } : {}),
  };
}

/** The element for a param, and a note when its value could not be prefilled. */
function element(p: ParamInfo, value: unknown): { element: InputBlockElement; note?: string } {
  const text = value === undefined ? undefined : Array.isArray(value) ? value.map(valueText).join(', ') : valueText(value);
  const tooLong = text !== undefined && text.length > LIMITS.initialValue;
  const note = tooLong ? `The given value (${text.length} characters) is too long to prefill here.` : undefined;
  const prefill = tooLong ? undefined : text;
  switch (p.type) {
    case 'integer':
    case 'number':
      return { element: numberInput(p, value) };
    case 'boolean':
      return { element: checkbox(value) };
    case 'array':
      return { element: textInput(prefill, 'comma-separated: a, b, c'), ...(note ? { note } : {}) };
    case 'enum':
      if (p.choices?.length && p.choices.length <= LIMITS.selectOptions) return { element: select(p.choices, value) };
      return { element: textInput(prefill), ...(note ? { note } : {}) };
    default:
      return { element: textInput(prefill), ...(note ? { note } : {}) };
  }
}

function hint(p: ParamInfo, problems: string[], note: string | undefined): string {
  const facts = paramFacts(p).filter((f) => p.type !== 'enum' || !f.startsWith('one of') || (p.choices?.length ?? 0) > LIMITS.selectOptions);
  const parts = [...problems.map((m) => `⚠ ${m}`), ...(note ? [note] : []), p.description ?? '', facts.join(', ')];
  if (p.type === 'array') parts.push('Separate values with commas.');
  if (p.type === 'boolean') parts.push('Unchecked means false.');
  return parts.filter(Boolean).join(' · ');
}

/**
 * The input block of one param: block `param:<name>`, action `value`. Booleans
 * are a single "Yes" checkbox and always optional (unchecked is a valid
 * `false`); other params are optional unless required. Problems from a
 * previous attempt are shown in the hint, as a modal cannot open with errors.
 */
export function paramInput(p: ParamInfo, value: unknown, problems: string[] = []): InputBlock {
  const { element: el, note } = element(p, value);
  return {
    type: 'input',
    block_id: IDS.paramBlock(p.name),
    label: plain(p.name, LIMITS.inputLabel),
    optional: p.type === 'boolean' || !p.required,
    element: el,
    hint: plain(hint(p, problems, note) || p.type, LIMITS.inputHint),
  };
}
