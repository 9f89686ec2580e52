import {
  blocksToText,
  errorMessage,
  historyMessage,
  noticeMessage,
  runMessage,
  runbookDetailMessage,
  runbookListMessage,
  statusMessage,
  threadMessage,
} from '../../../src/chat/blocks/index.js';
import { escapeMrkdwn, unescapeMrkdwn, escapeFit, codeBlock, inlineCode } from '../../../src/chat/blocks/mrkdwn.js';
import type { ChatMessage } from '../../../src/chat/types.js';
import { HOSTILE, change, events, runRecord, runbookDetail, summaryOf } from './support/fixtures.js';
import { slackProblems } from './support/slack-limits.js';

function mrkdwnTexts(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(mrkdwnTexts);
  if (typeof value !== 'object' || value === null) return [];
  const obj = value as Record<string, unknown>;
  if (obj.type === 'mrkdwn' && typeof obj.text === 'string') return [obj.text];
  return Object.values(obj).flatMap(mrkdwnTexts);
}

const ESCAPED = '&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; &lt;@U999&gt;';

describe('mrkdwn escaping', () => {
  it('escapes exactly &, < and >, and round-trips', () => {
    expect(escapeMrkdwn('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
    expect(unescapeMrkdwn(escapeMrkdwn(HOSTILE))).toBe(HOSTILE);
  });

  it('never cuts inside an entity', () => {
    const cut = escapeFit('<'.repeat(100), 40);
    expect(cut.length).toBeLessThanOrEqual(40);
    expect(cut).toMatch(/^(&lt;)+… \(\d+ more chars\)$/);
  });

  it('keeps a ``` inside a code block from closing it', () => {
    const block = codeBlock('a\n```\n<!here>', 200);
    expect(block.match(/```/g)).toHaveLength(2);
    expect(block).toContain('&lt;!here&gt;');
  });

  it('falls back from inline code when a backtick would end the span', () => {
    expect(inlineCode('x`y')).toBe('x`y');
    expect(inlineCode('<@U1>')).toBe('`&lt;@U1&gt;`');
  });
});

describe('user-supplied text cannot ping or link', () => {
  const hostileRun = runRecord({
    runbook: HOSTILE,
    cluster: HOSTILE,
    params: { namespace: HOSTILE, tags: [HOSTILE, 'b'] },
    requester: { kind: 'cli', id: HOSTILE },
    state: 'failed',
    finishedAt: '2024-05-01T10:01:00.000Z',
    error: { code: 'internal', message: HOSTILE },
  });
  const hostileRunbook = runbookDetail({
    chatName: HOSTILE,
    summary: HOSTILE,
    description: HOSTILE,
    alerts: [HOSTILE],
    channels: [HOSTILE, 'C0123OPS'],
    params: [{ name: HOSTILE, type: 'string', required: true, description: HOSTILE, default: HOSTILE }],
  });
  const messages: [string, ChatMessage | undefined][] = [
    ['run', runMessage(hostileRun, { plan: [change({ summary: HOSTILE, diff: HOSTILE })], cancellable: true })],
    ['status', statusMessage(hostileRun, [change({ summary: HOSTILE, diff: HOSTILE })])],
    ['thread', threadMessage(events({ type: 'report', text: HOSTILE }, { type: 'change', change: change({ summary: HOSTILE, diff: HOSTILE }) }, { type: 'step', step: HOSTILE, phase: 'failed', error: { code: 'x', message: HOSTILE } }))],
    ['history', historyMessage([hostileRun], HOSTILE)],
    ['list', runbookListMessage([summaryOf(hostileRunbook)], HOSTILE)],
    ['empty list', runbookListMessage([], HOSTILE)],
    ['detail', runbookDetailMessage(hostileRunbook, HOSTILE)],
    ['error', errorMessage(HOSTILE, HOSTILE)],
    ['notice', noticeMessage(HOSTILE)],
  ];

  // plain_text (headers, labels, buttons) is never parsed, so only mrkdwn and the fallback text matter.
  it.each(messages)('%s: no live markup, the text escaped instead', (_, msg) => {
    expect(msg).toBeDefined();
    const m = msg!;
    expect(slackProblems(m)).toEqual([]);
    const parsed = [m.text, ...mrkdwnTexts(m.blocks)].join('\n');
    expect(parsed).not.toContain('<!channel>');
    expect(parsed).not.toContain('<https://evil');
    expect(parsed).not.toContain('<@U999>');
    expect(parsed).not.toMatch(/&(?!(amp|lt|gt);)/);
    expect(parsed).toContain('&lt;!channel&gt;');
  });

  it('shows the text as typed in a terminal (bold, as in Slack, without its stars)', () => {
    expect(blocksToText(noticeMessage(HOSTILE))).toBe(HOSTILE.replace('*bold*', 'bold'));
    expect(blocksToText(runMessage(hostileRun, { cancellable: false }))).toContain(`namespace=${HOSTILE}`);
    expect(JSON.stringify(noticeMessage(HOSTILE).blocks)).toContain(ESCAPED);
  });

  it('mentions only real Slack ids and channels', () => {
    const slack = runMessage(runRecord({ requester: { kind: 'slack', id: 'U024BE7LH' } }), { cancellable: false });
    expect(JSON.stringify(slack)).toContain('<@U024BE7LH>');
    const forged = runMessage(runRecord({ requester: { kind: 'slack', id: 'U1> <!channel' } }), { cancellable: false });
    expect(JSON.stringify(forged)).not.toContain('<!channel');
    const detail = JSON.stringify(runbookDetailMessage(hostileRunbook));
    expect(detail).toContain('<#C0123OPS>');
    expect(detail).not.toContain('<#<');
  });
});
