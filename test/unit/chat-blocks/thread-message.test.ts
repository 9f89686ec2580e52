import { blocksToText, threadMessage } from '../../../src/chat/blocks/index.js';
import { bigDiff, change, events } from './support/fixtures.js';
import { slackProblems } from './support/slack-limits.js';

describe('threadMessage', () => {
  it('is undefined when nothing is worth a reply', () => {
    expect(threadMessage([])).toBeUndefined();
    expect(threadMessage(events({ type: 'state', state: 'running' }, { type: 'state', state: 'succeeded' }))).toBeUndefined();
  });

  it('coalesces events into one reply, a started step folded into its result', () => {
    const msg = threadMessage(
      events(
        { type: 'state', state: 'running' },
        { type: 'step', step: 'check-ready', phase: 'started' },
        { type: 'step', step: 'check-ready', phase: 'succeeded', durationMs: 1500 },
        { type: 'step', step: 'scale', phase: 'started' },
      ),
    );
    expect(blocksToText(msg!).split('\n')).toEqual(['✓ check-ready (1.5s)', '▸ scale started']);
  });

  it('writes failures, replays, skips, reports, retries and waits', () => {
    const text = blocksToText(
      threadMessage(
        events(
          { type: 'waiting', heldBy: 'r0ther', concurrencyKey: 'deployment/shop/web' },
          { type: 'step', step: 'drain', phase: 'replayed', durationMs: 0 },
          { type: 'step', step: 'notify', phase: 'skipped' },
          { type: 'report', text: 'web: 2/3 pods ready' },
          { type: 'step', step: 'verify', phase: 'failed', durationMs: 30_000, error: { code: 'runbook_refused', message: 'pods not ready' } },
          { type: 'retry', attempt: 1, delayMs: 5000, error: { code: 'k8s_throttled', message: 'API server throttled' } },
        ),
      )!,
    );
    expect(text).toContain('waiting for `deployment/shop/web`, held by run `r0ther`');
    expect(text).toContain('↺ drain done in an earlier attempt');
    expect(text).toContain('– notify skipped (dry run)');
    expect(text).toContain('» web: 2/3 pods ready');
    expect(text).toContain('✗ verify failed (30s): pods not ready');
    expect(text).toContain('attempt 1 failed: API server throttled. Retrying in 5.0s.');
  });

  it('shows each change as its summary and its diff in a code block', () => {
    const msg = threadMessage(events({ type: 'change', change: change({ dryRun: true }) }))!;
    const text = blocksToText(msg);
    expect(text).toContain('• scale Deployment shop/web: replicas 3 → 5 (dry run)');
    expect(text).toMatch(/```\n--- a\/deployment.yaml\n\+\+\+ b\/deployment.yaml\n@@ -1,3 \+1,3 @@\n spec:\n- {2}replicas: 3\n\+ {2}replicas: 5\n```/);
    expect(msg.text).toContain('scale Deployment shop/web');
  });

  it('cuts a 5,000-line diff to fit, saying how many lines are left out', () => {
    const msg = threadMessage(events({ type: 'change', change: change({ diff: bigDiff(5000) }) }, { type: 'report', text: 'after the diff' }))!;
    expect(slackProblems(msg)).toEqual([]);
    const text = blocksToText(msg);
    expect(text).toContain('+  key0: value-0');
    expect(text).not.toContain('key4999');
    const shown = (text.match(/\+ {2}key\d+/g) ?? []).length;
    expect(text).toContain(`… (${5003 - shown - 3} more lines)`);
    expect(text).toContain('» after the diff');
  });
});
