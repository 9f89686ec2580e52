import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workerRefusal } from '../../../src/jobs/worker-check.js';
import { createPolicy, loadPolicyFile } from '../../../src/policy/index.js';
import { cliChat } from '../../support/cli-chat.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';

/**
 * A CLI identity is user@host, and `cli:grace` in a policy names grace on
 * every host: so grace on another host (a second machine, a container with
 * its own host name) or spelled in another case is still grace. She may not
 * approve her own run that way, nor count twice toward two approvals; the
 * worker counts people the same way.
 */
describe('one CLI person under several host names', () => {
  let t: TestDrover;
  let dir: string;
  let policyFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drover-cli-self-'));
    policyFile = join(dir, 'policy.yaml');
    writeFileSync(
      policyFile,
      [
        'groups:',
        "  everyone: ['*']",
        "  terminal-approvers: ['cli:grace', 'cli:Grace', 'cli:henry']",
        'rules:',
        '  - groups: [everyone, terminal-approvers]',
        "    runbooks: ['*']",
        "    clusters: ['*']",
        'approvals:',
        "  - runbooks: ['uncordon-node']",
        '    require: { approvals: 2, from: terminal-approvers }',
        '',
      ].join('\n'),
    );
    t = await buildTestDrover({ policy: { document: loadPolicyFile(policyFile, (p) => readFileSync(p, 'utf8')) } });
    for (const name of ['node-a', 'node-b']) {
      t.fake.seed({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } });
    }
    await t.drover.startWorker();
  });

  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const chatAs = (user: string) => cliChat(t, policyFile, user);

  it('the requester on another host, or in another case, is still the requester; one person counts once', async () => {
    const desk = chatAs('grace@desk');
    const laptop = chatAs('grace@laptop');
    const upper = chatAs('Grace@container-1');
    const henry = chatAs('henry@bastion');
    await waitFor(() => /Drover terminal chat, as grace@desk\./.test(desk.printed()), 'the chat');

    desk.type('run uncordon-node node=node-a');
    const [, id, hash] = await waitFor(() => /\[approve: \/drover approve (\S+) ([0-9a-f]{12})\]/.exec(desk.printed()), 'the proposal');
    laptop.type(`approve ${id} ${hash}`);
    await waitFor(() => /You asked for this run; someone else must approve it/.test(laptop.printed()), 'grace@laptop refused');
    upper.type(`approve ${id} ${hash}`);
    await waitFor(() => /You asked for this run; someone else must approve it/.test(upper.printed()), 'Grace@container-1 refused');
    expect((await t.drover.store.get(id!))?.state).toBe('awaiting_approval');

    // henry asks; grace approves from two hosts: one person, one approval of the two needed.
    henry.type('run uncordon-node node=node-b');
    const [, id2, hash2] = await waitFor(() => /\[approve: \/drover approve (\S+) ([0-9a-f]{12})\]/.exec(henry.printed()), 'the second proposal');
    desk.type(`approve ${id2} ${hash2}`);
    await waitFor(() => new RegExp(`Your approval of run ${id2} is recorded \\(1/2\\)`).test(desk.printed()), 'grace counts once');
    laptop.type(`approve ${id2} ${hash2}`);
    await waitFor(() => new RegExp(`You have already approved run ${id2}; it counts once \\(1/2\\)`).test(laptop.printed()), 'grace again is a duplicate');
    expect((await t.drover.store.get(id2!))?.state).toBe('awaiting_approval');
    expect((t.fake.get('nodes', '', 'node-b') as { spec?: { unschedulable?: boolean } }).spec?.unschedulable).toBe(true);

    for (const c of [desk, laptop, upper, henry]) c.end();
    expect(await Promise.all([desk.done, laptop.done, upper.done, henry.done])).toEqual([0, 0, 0, 0]);
  }, 40_000);

  it('the worker counts people the same way, whatever reached the queue', async () => {
    // Two runs built as a CLI with a permissive policy of its own could queue them.
    const runbook = t.drover.runbooks.get('uncordon-node');
    const base = {
      id: 'r1',
      runbook: 'uncordon-node',
      cluster: 'test',
      params: { node: 'node-a' },
      dryRun: false,
      state: 'queued',
      createdAt: new Date().toISOString(),
    };
    const deps = { policy: createPolicy(loadPolicyFile(policyFile, (p) => readFileSync(p, 'utf8')), { defaultTimeoutMs: 60_000 }) };
    const approval = (approvers: Array<{ kind: 'cli'; id: string }>) => ({ needed: 2, hash: 'abc', approvers, timeoutMs: 60_000, reason: 'policy' });
    const selfApproved = { ...base, requester: { kind: 'cli' as const, id: 'grace@desk' }, approval: approval([{ kind: 'cli', id: 'henry@x' }, { kind: 'cli', id: 'grace@laptop' }]) };
    expect(await workerRefusal(selfApproved as never, runbook, deps)).toMatchObject({ code: 'approval_refused', message: expect.stringContaining('the requester is among its approvers') as unknown });
    const twiceGrace = { ...base, requester: { kind: 'cli' as const, id: 'henry@x' }, approval: approval([{ kind: 'cli', id: 'grace@desk' }, { kind: 'cli', id: 'GRACE@laptop' }]) };
    expect(await workerRefusal(twiceGrace as never, runbook, deps)).toMatchObject({ code: 'approval_refused', message: expect.stringContaining('1 of the 2') as unknown });
  });
});
