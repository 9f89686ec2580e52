import type { Checkboxes, ContextBlock, InputBlock, InputBlockElement, KnownBlock, PlainTextOption } from '@slack/types';
import type { ParamInfo } from '../../runbook/params.js';
import { IDS, type ModalView, type ParamProblem, type RunbookDetail } from '../types.js';
import { plain, section } from './layout.js';
import { LIMITS } from './limits.js';
import { escapeFit, escapeMrkdwn } from './mrkdwn.js';
import { paramInput } from './modal-inputs.js';

export interface ParamsModalInput {
  runbook: RunbookDetail;
  clusters: string[];
  defaultCluster?: string;
  /** Values to prefill (from the command line); a param's default applies otherwise. */
  initial: Record<string, unknown>;
  cluster?: string;
  dryRun: boolean;
  /** Problems of the previous attempt: shown under their input, or at the top. */
  problems?: ParamProblem[];
  /** Passed back on submission; at most 3000 characters (Slack's limit), the caller's to keep short. */
  privateMetadata: string;
}

export const DRY_RUN_OPTION: PlainTextOption = {
  text: { type: 'plain_text', text: 'Plan the changes without applying them' },
  value: 'dry_run',
};

const note = (text: string): ContextBlock => ({ type: 'context', elements: [plain(text, LIMITS.textObject)] });

function clusterInput(input: ParamsModalInput, problems: string[]): InputBlock {
  const { clusters } = input;
  const initial = [input.cluster, input.defaultCluster].find((c) => c !== undefined && clusters.includes(c));
  // Names a select cannot carry (too many, too long) are typed instead.
  const selectable = clusters.length <= LIMITS.selectOptions && clusters.every((c) => c.length > 0 && c.length <= LIMITS.optionValue);
  const options: PlainTextOption[] = clusters.map((c) => ({ text: plain(c, LIMITS.optionText), value: c }));
  const element: InputBlockElement = selectable
    ? {
        type: 'static_select',
        action_id: IDS.inputAction,
        options,
        ...(initial !== undefined ? { initial_option: options[clusters.indexOf(initial)] } : {}),
      }
    : { type: 'plain_text_input', action_id: IDS.inputAction, ...(initial !== undefined ? { initial_value: initial } : {}) };
  const hint = [...problems.map((m) => `⚠ ${m}`), input.defaultCluster ? `Default: ${input.defaultCluster}` : ''].filter(Boolean).join(' · ');
  return {
    type: 'input',
    block_id: IDS.clusterBlock,
    label: plain('Cluster'),
    element,
    ...(hint ? { hint: plain(hint, LIMITS.inputHint) } : {}),
  };
}

function dryRunInput(dryRun: boolean): InputBlock {
  const element: Checkboxes = {
    type: 'checkboxes',
    action_id: IDS.inputAction,
    options: [DRY_RUN_OPTION],
    ...(dryRun ? { initial_options: [DRY_RUN_OPTION] } : {}),
  };
  return { type: 'input', block_id: IDS.dryRunBlock, label: plain('Dry run'), optional: true, element };
}

/** The params that fit in a modal: all of them, or the required ones first when there are too many. */
function shownParams(params: ParamInfo[], room: number): ParamInfo[] {
  if (params.length <= room) return params;
  const keep = new Set([...params.filter((p) => p.required), ...params.filter((p) => !p.required)].slice(0, room));
  return params.filter((p) => keep.has(p));
}

/**
 * The form for a run: one input per param (block `param:<name>`, action
 * `value`), then the cluster (when there is a choice) and a dry-run checkbox.
 * Problems about a param in the form go under that input; the others (and
 * those about params not in the form) in a note at the top.
 */
export function paramsModal(input: ParamsModalInput): ModalView {
  const { runbook } = input;
  const problems = input.problems ?? [];
  const withCluster = input.clusters.length > 1;
  const shown = shownParams(runbook.params, LIMITS.modalBlocks - 5);
  const inForm = (param: string | undefined) =>
    param !== undefined && (shown.some((p) => p.name === param) || (param === 'cluster' && withCluster));
  const about = (param: string) => problems.filter((p) => p.param === param).map((p) => p.message);
  const general = problems.filter((p) => !inForm(p.param)).map((p) => (p.param && p.param !== 'cluster' ? `${p.param}: ${p.message}` : p.message));

  const blocks: KnownBlock[] = [];
  if (general.length) blocks.push(note(general.map((m) => `⚠ ${m}`).join('\n')));
  blocks.push(section(`*${escapeMrkdwn(runbook.chatName)}* (${runbook.risk} risk): ${escapeFit(runbook.summary, 500)}`));
  for (const p of shown) blocks.push(paramInput(p, input.initial[p.name] ?? p.default, about(p.name)));
  const hidden = runbook.params.length - shown.length;
  if (hidden) blocks.push(note(`${hidden} param${hidden === 1 ? '' : 's'} not shown (a form holds at most 100 fields); set them on the command line.`));
  if (withCluster) blocks.push(clusterInput(input, about('cluster')));
  blocks.push(dryRunInput(input.dryRun));

  return {
    type: 'modal',
    callback_id: IDS.runModal,
    title: plain(`Run ${runbook.chatName}`, LIMITS.modalTitle),
    submit: plain('Run', LIMITS.modalButton),
    close: plain('Cancel', LIMITS.modalButton),
    private_metadata: input.privateMetadata,
    blocks,
  };
}
