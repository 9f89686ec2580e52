import type { ParamInfo } from '../../runbook/params.js';
import { IDS, type ParamProblem, type RunbookDetail } from '../types.js';
import { choiceOf } from './choices.js';
import { LIMITS } from './limits.js';
import { plainFit } from './mrkdwn.js';

/** The parts of a Slack `view.state.values` entry Drover reads. */
interface StateValue {
  type?: unknown;
  value?: unknown;
  selected_option?: unknown;
  selected_options?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function stateOf(values: Record<string, Record<string, unknown>>, blockId: string): StateValue | undefined {
  const action = values[blockId]?.[IDS.inputAction];
  return isObject(action) ? action : undefined;
}

/** The text a user entered or selected, or undefined when the input is empty. */
function textOf(state: StateValue): string | undefined {
  const raw = state.type === 'static_select' ? (isObject(state.selected_option) ? state.selected_option.value : undefined) : state.value;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  return text === '' ? undefined : text;
}

const checked = (state: StateValue): boolean => Array.isArray(state.selected_options) && state.selected_options.length > 0;

function toNumber(text: string): number | string {
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

/** A param's typed value; undefined (omitted, so its default applies) when its input is empty. */
function paramValue(p: ParamInfo, state: StateValue): unknown {
  if (state.type === 'checkboxes') return checked(state);
  const text = textOf(state);
  if (text === undefined) return undefined;
  switch (p.type) {
    case 'integer':
    case 'number':
      return toNumber(text);
    case 'boolean':
      return /^(true|yes|1|on)$/i.test(text) ? true : /^(false|no|0|off)$/i.test(text) ? false : text;
    case 'array':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'enum': {
      // A select carries option values; a text input (over 100 choices) what the user typed.
      const choices = p.choices ?? [];
      const match = state.type === 'static_select' ? choiceOf(choices, text) : undefined;
      if (match) return match.choice;
      const typed = choices.findIndex((c) => String(c) === text);
      return typed >= 0 ? choices[typed] : text;
    }
    default:
      return text;
  }
}

/**
 * Reads a submitted run form (`view.state.values`) back into typed params:
 * numbers as numbers, checkboxes as booleans (unchecked is `false`), arrays
 * split on commas, enum choices as declared. Empty inputs are left out so
 * defaults apply; text is trimmed. Values that do not parse are kept as typed
 * for the params schema to report.
 */
export function readModalValues(
  values: Record<string, Record<string, unknown>>,
  runbook: RunbookDetail,
): { params: Record<string, unknown>; cluster?: string; dryRun: boolean } {
  const params: Record<string, unknown> = {};
  for (const p of runbook.params) {
    const state = stateOf(values, IDS.paramBlock(p.name));
    const value = state && paramValue(p, state);
    if (value !== undefined) params[p.name] = value;
  }
  const clusterState = stateOf(values, IDS.clusterBlock);
  const cluster = clusterState && textOf(clusterState);
  const dryRunState = stateOf(values, IDS.dryRunBlock);
  return { params, ...(cluster ? { cluster } : {}), dryRun: dryRunState ? checked(dryRunState) : false };
}

/** The block of a problem's param: `cluster` is the cluster choice unless the runbook has a param of that name. */
function blockOf(param: string | undefined, runbook: RunbookDetail): string | undefined {
  if (param === undefined) return undefined;
  if (param === 'cluster' && !runbook.params.some((p) => p.name === 'cluster')) return IDS.clusterBlock;
  return IDS.paramBlock(param);
}

/**
 * `response_action: 'errors'` for a submitted run form: block id → message.
 * A problem goes under its param's input (or the cluster's); one without a
 * matching block under the first input, so it is seen. `blockIds` are the
 * blocks of the submitted view (default: what `paramsModal` builds with a cluster choice).
 */
export function modalErrors(problems: ParamProblem[], runbook: RunbookDetail, options: { blockIds?: Iterable<string> } = {}): Record<string, string> {
  const present = new Set(options.blockIds ?? [...runbook.params.map((p) => IDS.paramBlock(p.name)), IDS.clusterBlock, IDS.dryRunBlock]);
  const inputs = [...runbook.params.map((p) => IDS.paramBlock(p.name)), IDS.clusterBlock, IDS.dryRunBlock].filter((id) => present.has(id));
  const fallback = inputs[0] ?? IDS.dryRunBlock;
  const grouped = new Map<string, string[]>();
  for (const problem of problems) {
    const own = blockOf(problem.param, runbook);
    const target = own !== undefined && present.has(own) ? own : fallback;
    const message = target === own || problem.param === undefined ? problem.message : `${problem.param}: ${problem.message}`;
    grouped.set(target, [...(grouped.get(target) ?? []), message]);
  }
  return Object.fromEntries([...grouped].map(([block, messages]) => [block, plainFit(messages.join('; '), LIMITS.modalError)]));
}
