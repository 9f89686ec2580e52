import { blocksToText, helpMessage, historyMessage, runbookDetailMessage, runbookListMessage } from '../../../src/chat/blocks/index.js';
import { runRecord, runbookDetail, summaryOf } from './support/fixtures.js';

describe('helpMessage', () => {
  it('lists each subcommand once, with an example, under the configured command', () => {
    const text = blocksToText(helpMessage('/ops'));
    for (const verb of ['help', 'list', 'describe', 'run', 'status', 'cancel', 'history']) {
      expect(text).toContain(`\`/ops ${verb}`);
      expect(text).toMatch(new RegExp(`Example: \`/ops ${verb}`));
    }
    expect(text).not.toContain('!');
  });
});

describe('runbookListMessage', () => {
  it('marks required params and shows optional ones with their defaults', () => {
    const text = blocksToText(runbookListMessage([summaryOf(runbookDetail()), summaryOf(runbookDetail({ chatName: 'noop', params: [], risk: 'low' }))]));
    expect(text).toContain('required: namespace, replicas · optional: ratio=0.5, force=false, strategy=rolling, pods');
    expect(text).toContain('• noop (low risk): Scale a deployment\n    no params');
  });

  it('says what the filter was when nothing matches', () => {
    expect(blocksToText(runbookListMessage([], 'restart'))).toBe('No runbooks match "restart".');
    expect(blocksToText(runbookListMessage([]))).toBe('No runbooks are registered.');
  });
});

describe('runbookDetailMessage', () => {
  it('spells out approval, rate limit, timeout, channels and alert triggers', () => {
    const text = blocksToText(runbookDetailMessage(runbookDetail()));
    expect(text).toContain('Approval: unless dry run, 2 approvers, expires after 30m');
    expect(text).toContain('Rate limit: 5 runs per 1h, 5m cooldown');
    expect(text).toContain('Timeout: 10m');
    expect(text).toContain('• alert `KubeDeploymentReplicasMismatch{namespace!="kube-system"}`');
    expect(text).toContain('• `strategy` (enum, default rolling, one of rolling, recreate, canary)');
    expect(text).toContain('• `pods` (list, comma-separated, optional): Pods to delete first');
  });

  it('shows the defaults of an unrestricted runbook', () => {
    const text = blocksToText(
      runbookDetailMessage(runbookDetail({ approval: { required: 'never', approvers: 1 }, channels: [], alerts: [], timeout: undefined, rateLimit: undefined })),
    );
    expect(text).toContain('Approval: not required');
    expect(text).toContain('Rate limit: none');
    expect(text).toContain('Channels: any');
    expect(text).toContain('Timeout: default');
  });
});

describe('historyMessage', () => {
  const now = new Date('2024-05-02T12:00:00Z');

  it('lists runs newest first, with relative times within a day', () => {
    const runs = [
      runRecord({ id: 'old', state: 'failed', createdAt: '2024-04-20T08:00:00.000Z' }),
      runRecord({ id: 'new', state: 'succeeded', createdAt: '2024-05-02T11:59:30.000Z', dryRun: true, requester: { kind: 'cli', id: 'ana@laptop' } }),
      runRecord({ id: 'mid', state: 'cancelled', createdAt: '2024-05-02T09:00:00.000Z' }),
    ];
    const lines = blocksToText(historyMessage(runs, 'scale', { now })).split('\n');
    expect(lines[0]).toBe('Recent runs of scale');
    expect(lines.slice(1).map((l) => l.split(' ')[1])).toEqual(['`new`', '`mid`', '`old`']);
    expect(lines[1]).toBe('✅ `new` succeeded · scale-deployment on prod-eu (dry run) · ana@laptop · 30s ago');
    expect(lines[2]).toContain('3h ago');
    expect(lines[3]).toContain('2024-04-20 08:00 UTC');
  });

  it('says when there is nothing yet', () => {
    expect(blocksToText(historyMessage([], 'scale'))).toBe('No runs of scale yet.');
  });
});
