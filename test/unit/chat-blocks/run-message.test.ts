import { isTerminal, type RunState } from '../../../src/jobs/run-record.js';
import { blocksToText, runMessage, statusMessage } from '../../../src/chat/blocks/index.js';
import { IDS } from '../../../src/chat/types.js';
import type { ActionsBlock, Button } from '@slack/types';
import { change, runRecord } from './support/fixtures.js';
import { slackProblems } from './support/slack-limits.js';

const STATES: RunState[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed-out'];

function buttons(msg: ReturnType<typeof runMessage>): Button[] {
  return (msg.blocks ?? []).filter((b): b is ActionsBlock => b.type === 'actions').flatMap((b) => b.elements.filter((e): e is Button => e.type === 'button'));
}

describe('runMessage', () => {
  it('has a Cancel button, worth the run id and guarded by a confirm dialog, only when cancellable', () => {
    const run = runRecord({ id: 'rlx2k9zzz999' });
    const [cancel, ...others] = buttons(runMessage(run, { cancellable: true }));
    expect(others).toEqual([]);
    expect(cancel).toMatchObject({ action_id: IDS.cancelAction, value: 'rlx2k9zzz999', style: 'danger' });
    expect(cancel?.confirm?.text.text).toContain('rlx2k9zzz999');
    expect(cancel?.confirm?.deny?.text).toBeTruthy();
    expect(buttons(runMessage(run, { cancellable: false }))).toEqual([]);
  });

  it.each(STATES)('marks the %s state distinctly', (state) => {
    const run = runRecord({ state, ...(isTerminal(state) ? { finishedAt: '2024-05-01T10:00:14.500Z' } : {}) });
    const msg = runMessage(run, { cancellable: !isTerminal(state) });
    const text = blocksToText(msg);
    expect(text.split('\n')[0]).toMatch(new RegExp(`^\\S+ scale-deployment ${state}$`));
    expect(msg.text).toContain(state);
    expect(slackProblems(msg)).toEqual([]);
    const markers = STATES.map((s) => blocksToText(runMessage(runRecord({ state: s }), { cancellable: false })).split(' ')[0]);
    expect(new Set(markers).size).toBe(STATES.length);
  });

  it('shows params, cluster, requester, run id and, once finished, the duration', () => {
    const running = blocksToText(runMessage(runRecord({ params: { namespace: 'shop', replicas: 5, pods: ['a', 'b'] } }), { cancellable: true }));
    expect(running).toContain('`namespace=shop` `replicas=5` `pods=a,b`');
    expect(running).toContain('Cluster: prod-eu');
    expect(running).toContain('Requested by: @U024BE7LH');
    expect(running).toContain('Run: `rlx2k9abc123`');
    expect(running).not.toContain('Duration');
    expect(running).toContain('[cancel: /drover cancel rlx2k9abc123]');
    const done = blocksToText(runMessage(runRecord({ state: 'succeeded', finishedAt: '2024-05-01T10:00:14.000Z', dryRun: true }), { cancellable: false }));
    expect(done).toContain('Duration: 12s');
    expect(done).toContain('prod-eu (dry run)');
  });

  it('names requesters that are not Slack users', () => {
    const cli = blocksToText(runMessage(runRecord({ requester: { kind: 'cli', id: 'ana@laptop' } }), { cancellable: false }));
    expect(cli).toContain('Requested by: ana@laptop');
    const alert = blocksToText(runMessage(runRecord({ requester: { kind: 'alert', id: 'f00d', name: 'KubePodCrashLooping' } }), { cancellable: false }));
    expect(alert).toContain('Requested by: alert KubePodCrashLooping');
  });

  it.each(['failed', 'timed-out', 'cancelled'] as const)('shows the error of a %s run', (state) => {
    const run = runRecord({ state, finishedAt: '2024-05-01T10:01:00.000Z', error: { code: 'run_timed_out', message: 'Run exceeded its 10m timeout' } });
    expect(blocksToText(runMessage(run, { cancellable: false }))).toContain('Error: Run exceeded its 10m timeout');
  });

  it('summarises the plan of a finished dry run, one line per change, without diffs', () => {
    const plan = [change(), change({ summary: 'restart Deployment shop/api', diff: '+x\n' })];
    const run = runRecord({ dryRun: true, state: 'succeeded', finishedAt: '2024-05-01T10:01:00.000Z' });
    const text = blocksToText(runMessage(run, { plan, cancellable: false }));
    expect(text).toContain('Plan (2, diffs in the thread)');
    expect(text).toContain('• scale Deployment shop/web: replicas 3 → 5');
    expect(text).toContain('• restart Deployment shop/api');
    expect(text).not.toContain('replicas: 3');
    const stillRunning = blocksToText(runMessage({ ...run, state: 'running' }, { plan, cancellable: true }));
    expect(stillRunning).not.toContain('Plan');
  });
});

describe('statusMessage', () => {
  it('has no button and shows every change with its diff', () => {
    const msg = statusMessage(runRecord({ state: 'succeeded', finishedAt: '2024-05-01T10:01:00.000Z' }), [change()]);
    expect(buttons(msg)).toEqual([]);
    const text = blocksToText(msg);
    expect(text).toContain('Changes (1)');
    expect(text).toContain('• scale Deployment shop/web: replicas 3 → 5');
    expect(text).toContain('```\n--- a/deployment.yaml');
    expect(text).toContain('-  replicas: 3\n+  replicas: 5\n```');
  });

  it('says when a finished run changed nothing', () => {
    expect(blocksToText(statusMessage(runRecord({ state: 'succeeded', dryRun: true, finishedAt: '2024-05-01T10:01:00.000Z' }), []))).toContain('No changes planned.');
  });
});
