import {
  errorMessage,
  helpMessage,
  historyMessage,
  noticeMessage,
  paramsModal,
  runMessage,
  runbookDetailMessage,
  runbookListMessage,
  statusMessage,
  threadMessage,
} from '../../../src/chat/blocks/index.js';
import type { ParamInfo } from '../../../src/runbook/params.js';
import { bigDiff, change, events, runRecord, runbookDetail, summaryOf } from './support/fixtures.js';
import { slackProblems } from './support/slack-limits.js';

const TEN_KB = 'x'.repeat(10_240);
const SIXTY_PARAMS: ParamInfo[] = Array.from({ length: 60 }, (_, i) => ({
  name: `param_${i}`,
  type: ['string', 'integer', 'number', 'boolean', 'enum', 'array'][i % 6] ?? 'string',
  required: i % 2 === 0,
  description: `Param ${i} `.repeat(30),
  ...(i % 6 === 4 ? { choices: Array.from({ length: 150 }, (_, c) => `choice-${c}`) } : {}),
}));

describe('the Slack limit checker', () => {
  it('reports what Slack would reject', () => {
    const problems = slackProblems({
      text: '',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
        { type: 'section', text: { type: 'mrkdwn', text: `<!channel> ${'y'.repeat(3000)}` } },
        { type: 'input', block_id: 'a', label: { type: 'plain_text', text: 'l' }, element: { type: 'plain_text_input', action_id: 'v' } },
        { type: 'divider', block_id: 'a' },
        ...Array.from({ length: 50 }, () => ({ type: 'divider' as const })),
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        '54 blocks',
        'duplicate block_id',
        'fallback text length 0',
        'blocks[0].text: 151 > 150 chars',
        'blocks[1].text: 3011 > 3000 chars',
        'blocks[1].text: unescaped markup <!channel>',
        'blocks[2]: input block outside a modal',
      ]),
    );
  });
});

describe('every message stays within Slack limits', () => {
  const rb = runbookDetail();
  const huge = runbookDetail({ params: SIXTY_PARAMS, description: 'd'.repeat(5000), alerts: Array.from({ length: 80 }, (_, i) => `Alert${i}{pod=~"web-.*"}`) });
  const oversizedRun = runRecord({
    params: { namespace: TEN_KB, list: Array.from({ length: 500 }, (_, i) => `item-${i}`) },
    state: 'failed',
    finishedAt: '2024-05-01T10:05:00.000Z',
    error: { code: 'internal', message: 'e'.repeat(5000) },
    dryRun: true,
  });
  const plan = [change({ diff: bigDiff(5000) }), ...Array.from({ length: 80 }, (_, i) => change({ summary: `patch ConfigMap shop/cm-${i}`, diff: bigDiff(200) }))];

  const cases: [string, () => unknown][] = [
    ['help', () => helpMessage()],
    ['list', () => runbookListMessage([summaryOf(rb)])],
    ['list of 400 runbooks', () => runbookListMessage(Array.from({ length: 400 }, (_, i) => summaryOf(runbookDetail({ chatName: `rb-${i}`, params: SIXTY_PARAMS }))))],
    ['empty list', () => runbookListMessage([], TEN_KB)],
    ['detail', () => runbookDetailMessage(rb)],
    ['detail with 60 params', () => runbookDetailMessage(huge)],
    ['run', () => runMessage(runRecord(), { cancellable: true })],
    ['run with a 10 KB param and a 5,000-line plan', () => runMessage(oversizedRun, { plan, cancellable: true })],
    ['status', () => statusMessage(runRecord({ state: 'succeeded', finishedAt: '2024-05-01T10:01:00.000Z' }), [change()])],
    ['status with a 5,000-line diff', () => statusMessage(oversizedRun, plan)],
    ['thread', () => threadMessage(events({ type: 'step', step: 'scale', phase: 'succeeded', durationMs: 1200 }))],
    ['thread with a 5,000-line diff', () => threadMessage(events(...plan.map((c) => ({ type: 'change' as const, change: c })), { type: 'report', text: TEN_KB }))],
    ['thread with 3,000 reports', () => threadMessage(events(...Array.from({ length: 3000 }, (_, i) => ({ type: 'report' as const, text: `line ${i}` }))))],
    ['history', () => historyMessage([runRecord()])],
    ['history of 500 runs', () => historyMessage(Array.from({ length: 500 }, (_, i) => runRecord({ id: `r${i}`, cluster: TEN_KB })))],
    ['error', () => errorMessage(TEN_KB, TEN_KB)],
    ['notice', () => noticeMessage(TEN_KB)],
    ['modal', () => paramsModal({ runbook: rb, clusters: ['prod-eu', 'staging'], initial: {}, dryRun: true, privateMetadata: '{}' })],
    [
      'modal with 60 params and 10 KB values',
      () =>
        paramsModal({
          runbook: huge,
          clusters: Array.from({ length: 150 }, (_, i) => `cluster-${i}`),
          initial: Object.fromEntries(SIXTY_PARAMS.map((p) => [p.name, TEN_KB])),
          dryRun: false,
          problems: [{ message: TEN_KB }, { param: 'param_1', message: TEN_KB }, { param: 'nope', message: 'unknown' }],
          privateMetadata: '{"channel":"C1"}',
        }),
    ],
    [
      'modal with 130 params',
      () =>
        paramsModal({
          runbook: runbookDetail({ params: [...SIXTY_PARAMS, ...SIXTY_PARAMS.map((p) => ({ ...p, name: `${p.name}_b` })), ...SIXTY_PARAMS.slice(0, 10).map((p) => ({ ...p, name: `${p.name}_c` }))] }),
          clusters: ['a', 'b'],
          initial: {},
          dryRun: false,
          privateMetadata: '',
        }),
    ],
  ];

  it.each(cases)('%s', (_, build) => {
    const built = build() as Parameters<typeof slackProblems>[0];
    expect(built).toBeDefined();
    expect(slackProblems(built)).toEqual([]);
  });

  it('marks what it cut, with the number of lines left out', () => {
    const text = JSON.stringify(statusMessage(oversizedRun, plan));
    expect(text).toMatch(/… \(\d+ more lines\)/);
    expect(JSON.stringify(runMessage(oversizedRun, { plan, cancellable: false }))).toMatch(/more chars/);
  });

  it('keeps the Cancel button when the plan fills the message', () => {
    const msg = runMessage({ ...oversizedRun, state: 'running', dryRun: false }, { plan, cancellable: true });
    expect(msg.blocks?.at(-1)?.type).toBe('actions');
  });
});
