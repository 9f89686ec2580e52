import {
  blocksToText,
  errorMessage,
  helpMessage,
  historyMessage,
  mrkdwnToText,
  noticeMessage,
  paramsModal,
  runMessage,
  runbookDetailMessage,
  runbookListMessage,
  statusMessage,
  threadMessage,
} from '../../../src/chat/blocks/index.js';
import { change, events, runRecord, runbookDetail, summaryOf } from './support/fixtures.js';

describe('mrkdwnToText', () => {
  it.each([
    ['*bold* and plain', 'bold and plain'],
    ['by <@U024BE7LH>', 'by @U024BE7LH'],
    ['by <@U024BE7LH|ana>', 'by @ana'],
    ['in <#C0123OPS>', 'in #C0123OPS'],
    ['in <#C0123OPS|ops>', 'in #ops'],
    ['see <https://example.com/runs|the run>', 'see the run (https://example.com/runs)'],
    ['see <https://example.com>', 'see https://example.com'],
    ['hey <!here>', 'hey @here'],
    ['at <!date^1714557600^{time}|10:00 UTC>', 'at 10:00 UTC'],
    ['a &amp; b &lt;c&gt;', 'a & b <c>'],
    ['`*kept*` and ```\n*kept* &lt;x&gt;\n```', '`*kept*` and ```\n*kept* <x>\n```'],
  ])('%s', (input, expected) => {
    expect(mrkdwnToText(input)).toBe(expected);
  });
});

describe('blocksToText', () => {
  const rb = runbookDetail();

  it('renders the key facts of a run, its plan and its Cancel hint', () => {
    const run = runRecord({ state: 'running', params: { namespace: 'shop', replicas: 5 } });
    const text = blocksToText(runMessage(run, { cancellable: true }), { command: '/ops' });
    expect(text).toContain('🔄 scale-deployment running');
    expect(text).toContain('rlx2k9abc123');
    expect(text).toContain('`namespace=shop` `replicas=5`');
    expect(text.split('\n').at(-1)).toBe('[cancel: /ops cancel rlx2k9abc123]');
  });

  it('keeps the step lines and diff lines of a thread reply', () => {
    const text = blocksToText(
      threadMessage(events({ type: 'step', step: 'scale', phase: 'succeeded', durationMs: 800 }, { type: 'change', change: change() }))!,
    );
    expect(text).toContain('✓ scale (800ms)');
    expect(text).toContain('-  replicas: 3');
    expect(text).toContain('+  replicas: 5');
  });

  it('renders every other message with its facts', () => {
    expect(blocksToText(helpMessage())).toMatch(/\/drover run <runbook> key=value … \[--cluster NAME\] \[--dry-run\]/);
    expect(blocksToText(runbookListMessage([summaryOf(rb)]))).toContain('• scale · medium risk · approval: unless dry run, 2 approvers, expires after 30m\n    Scale a deployment\n    params: `namespace` string, required');
    expect(blocksToText(runbookListMessage([], 'zzz'))).toBe('No runbooks match "zzz".');
    const detail = blocksToText(runbookDetailMessage(rb));
    expect(detail).toContain('• `replicas` (integer, required, 0–50): Wanted replicas');
    expect(detail).toContain('Channels: #C0123OPS');
    expect(detail).toContain('/drover run scale namespace=<namespace> replicas=0 --dry-run');
    expect(blocksToText(statusMessage(runRecord({ state: 'succeeded', finishedAt: '2024-05-01T10:01:00.000Z' }), [change()]))).toContain('+  replicas: 5');
    const history = blocksToText(historyMessage([runRecord()], undefined, { now: new Date('2024-05-01T10:05:00Z') }));
    expect(history).toContain('🔄 `rlx2k9abc123` running · scale-deployment on prod-eu · @U024BE7LH · 5m ago');
    expect(blocksToText(errorMessage('Run r9 not found.', 'Check the id with `/drover history`.'))).toBe('❌ Run r9 not found.\nCheck the id with `/drover history`.');
    expect(blocksToText(noticeMessage('Cancellation of run r1 requested.'))).toBe('Cancellation of run r1 requested.');
  });

  it('renders a modal as its title and its inputs', () => {
    const view = paramsModal({ runbook: rb, clusters: ['prod-eu', 'staging'], defaultCluster: 'prod-eu', initial: { namespace: 'shop' }, dryRun: true, privateMetadata: '' });
    const lines = blocksToText(view).split('\n');
    expect(lines[0]).toBe('Run scale');
    expect(lines).toContain('- namespace [text]: shop');
    expect(lines).toContain('- replicas [integer]');
    expect(lines).toContain('- strategy (optional) [one of rolling, recreate, canary]: rolling');
    expect(lines).toContain('- Cluster [one of prod-eu, staging]: prod-eu');
    expect(lines.at(-1)).toBe('[Run] [Cancel]');
  });

  it('renders a text-only message from its fallback', () => {
    expect(blocksToText({ text: 'plain &lt;text&gt; from <@U1>' })).toBe('plain <text> from @U1');
  });
});
