import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicyFile } from '../../../src/policy/index.js';
import { readFileSync } from 'node:fs';
import { cliChat } from '../../support/cli-chat.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';

/**
 * Off the sandbox, a terminal approves only as the CLI user it is, and only
 * where the policy names CLI users: here cli:grace. Each person has their own
 * `drover chat`; the worker checks the approvals again with its own policy.
 */
describe('approvals from the terminal chat on a real cluster (not the sandbox)', () => {
  let t: TestDrover;
  let dir: string;
  let policyFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drover-cli-approvals-'));
    policyFile = join(dir, 'policy.yaml');
    writeFileSync(
      policyFile,
      ['groups:', "  everyone: ['*']", "  terminal-approvers: ['cli:grace']", 'rules:', '  - groups: [everyone, terminal-approvers]', "    runbooks: ['*']", "    clusters: ['*']", ''].join('\n'),
    );
    t = await buildTestDrover({ policy: { document: loadPolicyFile(policyFile, (p) => readFileSync(p, 'utf8')) } });
    t.fake.seed({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-x' }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } });
    await t.drover.startWorker();
  });

  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const chatAs = (user: string) => cliChat(t, policyFile, user);

  it('a CLI user the policy does not name is refused; one it names approves, and the run happens', async () => {
    const frank = chatAs('frank@laptop');
    const henry = chatAs('henry@laptop');
    const grace = chatAs('grace@desk');
    await waitFor(() => /Drover terminal chat, as frank@laptop\./.test(frank.printed()), 'the chat');
    expect(frank.printed()).not.toMatch(/local identity/);

    frank.type('run cordon-node node=node-x');
    const [, id, hash] = await waitFor(() => /\[approve: \/drover approve (\S+) ([0-9a-f]{12})\]/.exec(frank.printed()), 'the proposal');

    // Not on the sandbox: nobody can type their way into another name.
    frank.type(`approve ${id} ${hash} --as grace`);
    await waitFor(() => /Acting as another identity is only for the sandbox/.test(frank.printed()), 'the refusal of --as');

    henry.type(`approve ${id} ${hash}`);
    await waitFor(
      () => /Not allowed: cli:henry@laptop is a CLI identity, and groups everyone, terminal-approvers name no CLI user/.test(henry.printed()),
      'henry refused',
    );
    expect((await t.drover.store.get(id!))?.state).toBe('awaiting_approval');

    grace.type(`approve ${id} ${hash}`);
    await waitFor(() => new RegExp(`Approved \\(1/1\\): run ${id} is queued`).test(grace.printed()), 'grace approves');
    await waitFor(async () => (await t.drover.store.get(id!))?.state === 'succeeded', 'the run');
    expect((t.fake.get('nodes', '', 'node-x') as { spec?: { unschedulable?: boolean } }).spec?.unschedulable).toBe(true);
    const approved = (await t.drover.audit.read()).find((e) => e.type === 'approval.granted');
    expect(JSON.stringify(approved)).toContain('grace@desk');

    for (const c of [frank, henry, grace]) c.end();
    expect(await Promise.all([frank.done, henry.done, grace.done])).toEqual([0, 0, 0]);
  }, 40_000);
});
