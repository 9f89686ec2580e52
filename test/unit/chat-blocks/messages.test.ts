import { blocksToText, helpMessage, historyMessage, runbookDetailMessage, runbookListMessage } from '../../../src/chat/blocks/index.js';
import { runRecord, runbookDetail, summaryOf } from './support/fixtures.js';

describe('helpMessage', () => {
  it('lists each subcommand once, with an example, under the configured command', () => {
    const text = blocksToText(helpMessage('/ops'));
    for (const verb of ['help', 'runbooks', 'describe', 'run', 'status', 'cancel', 'history']) {
      expect(text).toContain(`\`/ops ${verb}`);
      expect(text).toMatch(new RegExp(`Example: \`/ops ${verb}`));
    }
    expect(text).not.toContain('!');
  });
});

describe('runbookListMessage (the catalogue in chat)', () => {
  it('shows each runbook as the catalogue does: risk, approval, params with types and defaults, triggers, concurrency key', () => {
    const text = blocksToText(runbookListMessage([summaryOf(runbookDetail()), summaryOf(runbookDetail({ chatName: 'noop', params: [], risk: 'low', alertTriggers: [], schedules: [], approvalText: 'not required', concurrencyKey: 'the runbook id (noop): runs on one cluster never overlap' }))]));
    expect(text).toContain('• scale · medium risk · approval: unless dry run, 2 approvers, expires after 30m\n    Scale a deployment');
    expect(text).toContain('params: `namespace` string, required · `replicas` integer, required, 0–50 · `ratio` number, default 0.5, 0–1 · `force` boolean, default false');
    expect(text).toContain('triggers: `/drover run scale` · alert KubeDeploymentReplicasMismatch{namespace!="kube-system"}: namespace ← label namespace · schedule nightly `0 3 * * *` (Europe/Paris)');
    expect(text).toContain('concurrency key: deployment/<namespace>/<deployment>');
    expect(text).toContain('• noop · low risk · approval: not required\n    Scale a deployment\n    params: none');
  });

  it('pages a long catalogue, each page within Slack\'s limits, with the command for the next', () => {
    const many = Array.from({ length: 40 }, (_, i) => summaryOf(runbookDetail({ chatName: `rb-${String(i).padStart(2, '0')}` })));
    const first = runbookListMessage(many, undefined, { command: '/ops' });
    const text = blocksToText(first);
    expect(text).toMatch(/^Runbooks \(1\/\d\)/);
    expect(text).toContain('rb-00');
    expect(text).toMatch(/Page 1 of \d \(40 runbooks\) · next page: `\/ops runbooks 2` · one in full: `\/ops runbooks <name>`/);
    const pages = Number(/Page 1 of (\d)/.exec(text)![1]);
    const seen = new Set<string>();
    for (let page = 1; page <= pages; page++) {
      const shown = blocksToText(runbookListMessage(many, undefined, { page, command: '/ops' }));
      for (const m of shown.matchAll(/• (rb-\d\d) ·/g)) seen.add(m[1]!);
      expect(shown).not.toMatch(/more lines?\)/);
    }
    expect(seen.size).toBe(40);
    // Past the end shows the last page; a filter is kept in the next-page command.
    expect(blocksToText(runbookListMessage(many, undefined, { page: 99 }))).toContain(`Page ${pages} of ${pages}`);
    expect(blocksToText(runbookListMessage(many, 'rb', {}))).toContain('next page: `/drover runbooks rb 2`');
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
    expect(text).toContain('• alert KubeDeploymentReplicasMismatch{namespace!="kube-system"}: namespace ← label namespace');
    expect(text).toContain('Concurrency key: deployment/<namespace>/<deployment>');
    expect(text).toContain('• schedule nightly `0 3 * * *` (Europe/Paris)');
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
