import { blocksToText, paramsModal, readModalValues } from '../../../src/chat/blocks/index.js';
import { IDS, type RunbookDetail } from '../../../src/chat/types.js';
import type { ParamsModalInput } from '../../../src/chat/blocks/index.js';
import { runbookDetail } from './support/fixtures.js';
import { slackProblems } from './support/slack-limits.js';
import { inputBlock, submit } from './support/slack-state.js';

const rb = runbookDetail();
const modal = (overrides: Partial<ParamsModalInput> = {}) =>
  paramsModal({ runbook: rb, clusters: ['prod-eu', 'staging'], initial: {}, dryRun: false, privateMetadata: '{"channel":"C1"}', ...overrides });

describe('paramsModal', () => {
  it('is the run form Slack expects', () => {
    const view = modal();
    expect(view).toMatchObject({
      type: 'modal',
      callback_id: IDS.runModal,
      title: { type: 'plain_text', text: 'Run scale' },
      submit: { text: 'Run' },
      close: { text: 'Cancel' },
      private_metadata: '{"channel":"C1"}',
    });
    expect(slackProblems(view)).toEqual([]);
    const inputs = view.blocks.filter((b) => b.type === 'input').map((b) => b.block_id);
    expect(inputs).toEqual([...rb.params.map((p) => `param:${p.name}`), IDS.clusterBlock, IDS.dryRunBlock]);
  });

  it('has one element per param type, optional unless required, descriptions as hints', () => {
    const view = modal();
    const el = (name: string) => inputBlock(view, IDS.paramBlock(name));
    expect(el('namespace')).toMatchObject({ optional: false, element: { type: 'plain_text_input', action_id: IDS.inputAction } });
    expect(el('namespace').hint?.text).toContain('Namespace of the deployment');
    expect(el('replicas')).toMatchObject({ optional: false, element: { type: 'number_input', is_decimal_allowed: false, min_value: '0', max_value: '50' } });
    expect(el('ratio')).toMatchObject({ optional: true, element: { type: 'number_input', is_decimal_allowed: true, initial_value: '0.5' } });
    expect(el('force')).toMatchObject({ optional: true, element: { type: 'checkboxes', options: [{ value: 'true' }] } });
    expect(el('force').element).not.toHaveProperty('initial_options');
    expect(el('strategy')).toMatchObject({ optional: true, element: { type: 'static_select', initial_option: { value: 'rolling' } } });
    expect(el('pods')).toMatchObject({ optional: true, element: { type: 'plain_text_input' } });
    expect(el('pods').hint?.text).toContain('comma-separated');
  });

  it('prefills the given values over defaults, and only values Slack accepts', () => {
    const view = modal({ initial: { namespace: 'shop', replicas: 'lots', ratio: 0.25, force: true, strategy: 'canary', pods: ['web-1', 'web-2'] } });
    expect(inputBlock(view, 'param:namespace').element).toMatchObject({ initial_value: 'shop' });
    expect(inputBlock(view, 'param:replicas').element).not.toHaveProperty('initial_value');
    expect(inputBlock(view, 'param:ratio').element).toMatchObject({ initial_value: '0.25' });
    expect(inputBlock(view, 'param:force').element).toMatchObject({ initial_options: [{ value: 'true' }] });
    expect(inputBlock(view, 'param:strategy').element).toMatchObject({ initial_option: { value: 'canary' } });
    expect(inputBlock(view, 'param:pods').element).toMatchObject({ initial_value: 'web-1, web-2' });
    const outOfRange = modal({ initial: { replicas: 51 } });
    expect(inputBlock(outOfRange, 'param:replicas').element).not.toHaveProperty('initial_value');
  });

  it('does not prefill a value longer than Slack allows, and says so', () => {
    const view = modal({ initial: { namespace: 'n'.repeat(10_240) } });
    expect(inputBlock(view, 'param:namespace').element).not.toHaveProperty('initial_value');
    expect(inputBlock(view, 'param:namespace').hint?.text).toContain('10240 characters');
  });

  it('offers a cluster only when there is a choice, preselecting the asked or default one', () => {
    expect(modal({ clusters: ['prod-eu'] }).blocks.some((b) => b.block_id === IDS.clusterBlock)).toBe(false);
    expect(inputBlock(modal({ defaultCluster: 'staging' }), IDS.clusterBlock).element).toMatchObject({ type: 'static_select', initial_option: { value: 'staging' } });
    expect(inputBlock(modal({ defaultCluster: 'staging', cluster: 'prod-eu' }), IDS.clusterBlock).element).toMatchObject({ initial_option: { value: 'prod-eu' } });
    expect(inputBlock(modal({ dryRun: true }), IDS.dryRunBlock)).toMatchObject({ optional: true, element: { type: 'checkboxes', initial_options: [{ value: 'dry_run' }] } });
    expect(inputBlock(modal(), IDS.dryRunBlock).element).not.toHaveProperty('initial_options');
  });

  it('shows problems under their input, and the others at the top', () => {
    const view = modal({
      clusters: ['prod-eu'],
      problems: [
        { message: 'Missing parameters' },
        { param: 'replicas', message: 'replicas: Too big: expected number to be <=50' },
        { param: 'typo', message: 'unknown parameter "typo"' },
        { param: 'cluster', message: 'Unknown cluster "prod-us".' },
      ],
    });
    expect(view.blocks[0]?.type).toBe('context');
    const top = blocksToText({ text: '', blocks: [view.blocks[0]!] } as never);
    expect(top).toContain('Missing parameters');
    expect(top).toContain('typo: unknown parameter "typo"');
    expect(top).toContain('Unknown cluster "prod-us".');
    expect(top).not.toContain('Too big');
    expect(inputBlock(view, 'param:replicas').hint?.text).toContain('⚠ replicas: Too big');
    const withClusters = modal({ problems: [{ param: 'cluster', message: 'Unknown cluster "prod-us".' }] });
    expect(inputBlock(withClusters, IDS.clusterBlock).hint?.text).toContain('Unknown cluster');
    expect(withClusters.blocks[0]?.type).not.toBe('context');
  });

  it('keeps within 100 blocks for a huge runbook, required params first', () => {
    const params = Array.from({ length: 130 }, (_, i) => ({ name: `p${i}`, type: 'string', required: i >= 120 }));
    const view = modal({ runbook: runbookDetail({ params }) });
    expect(slackProblems(view)).toEqual([]);
    const ids = view.blocks.map((b) => b.block_id);
    for (let i = 120; i < 130; i++) expect(ids).toContain(`param:p${i}`);
    expect(blocksToText(view)).toContain('35 params not shown');
  });
});

describe('readModalValues', () => {
  it('round-trips a filled form into typed params', () => {
    const view = modal({ initial: { namespace: 'shop' } });
    const values = submit(view, {
      'param:replicas': '7',
      'param:ratio': '0.75',
      'param:force': ['true'],
      'param:strategy': 'recreate',
      'param:pods': ' web-1, web-2 ,,web-3 ',
      [IDS.clusterBlock]: 'staging',
      [IDS.dryRunBlock]: ['dry_run'],
    });
    expect(readModalValues(values, rb)).toEqual({
      params: { namespace: 'shop', replicas: 7, ratio: 0.75, force: true, strategy: 'recreate', pods: ['web-1', 'web-2', 'web-3'] },
      cluster: 'staging',
      dryRun: true,
    });
  });

  it('leaves empty optional inputs out so defaults apply; an unchecked box is false', () => {
    const view = modal({ clusters: ['only'] });
    const values = submit(view, { 'param:namespace': 'shop', 'param:replicas': '0', 'param:ratio': null, 'param:pods': '   ', 'param:force': [] });
    const read = readModalValues(values, rb);
    expect(read.params).toEqual({ namespace: 'shop', replicas: 0, force: false, strategy: 'rolling' });
    expect(read).not.toHaveProperty('cluster');
    expect(read.dryRun).toBe(false);
    const cleared = readModalValues(submit(modal(), { 'param:strategy': 'nope' }), rb);
    expect(cleared.params).not.toHaveProperty('strategy');
  });

  it('returns enum choices as declared, numbers and long ones included', () => {
    const long = `${'very-long-choice-'.repeat(6)}end`;
    const enums: RunbookDetail = runbookDetail({
      params: [
        { name: 'size', type: 'enum', required: true, choices: [1, 2, 3] },
        { name: 'mode', type: 'enum', required: true, choices: ['#1', long, 'plain'] },
      ],
    });
    const view = modal({ runbook: enums });
    expect(slackProblems(view)).toEqual([]);
    const select = inputBlock(view, 'param:mode').element;
    const valueOf = (text: string) => (select.type === 'static_select' ? select.options?.find((o) => o.text.text === text.slice(0, 74) || o.text.text === text)?.value : undefined);
    const longValue = (select.type === 'static_select' ? select.options?.[1]?.value : undefined) ?? '';
    expect(readModalValues(submit(view, { 'param:size': '2', 'param:mode': longValue }), enums).params).toEqual({ size: 2, mode: long });
    expect(readModalValues(submit(view, { 'param:size': '3', 'param:mode': valueOf('#1') ?? '' }), enums).params).toEqual({ size: 3, mode: '#1' });
  });

  it('keeps what does not parse, for the schema to report', () => {
    const values = { 'param:replicas': { value: { type: 'plain_text_input', value: 'many' } }, 'param:ratio': { value: { type: 'number_input', value: 'x' } } };
    expect(readModalValues(values, rb).params).toEqual({ replicas: 'many', ratio: 'x' });
  });

  it('ignores blocks and shapes it does not know', () => {
    const values = { 'param:namespace': { other: { type: 'plain_text_input', value: 'x' } }, 'param:replicas': { value: 'raw' }, unrelated: { value: { type: 'plain_text_input', value: 'y' } } };
    expect(readModalValues(values as never, rb)).toEqual({ params: {}, dryRun: false });
  });
});
