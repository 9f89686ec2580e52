import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../../src/cli/output.js';
import { startSlackFake } from '../../../src/testing/index.js';
import { parsePolicy } from '../../../src/policy/index.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { seedDemo } from '../../support/seed.js';
import { drover } from '../../support/cli.js';
import { waitFor } from '../../support/wait-for.js';

const POLICY = `
groups:
  ops: ['cli:dave']
  leads: [U0BOB]
rules:
  - groups: [ops, leads]
    runbooks: ['*']
    clusters: [test]
    namespaces: ['*', '!kube-system']
approvals:
  - runbooks: [scale-deployment]
    require: { approvals: 1, from: leads }
`;

describe('drover CLI under a policy', () => {
  let t: TestDrover;
  let policyFile: string;
  const dir = mkdtempSync(join(tmpdir(), 'drover-policy-'));

  beforeAll(async () => {
    policyFile = join(dir, 'policy.yaml');
    writeFileSync(policyFile, POLICY);
    t = await buildTestDrover({ policy: { document: parsePolicy(POLICY, policyFile) } });
    seedDemo(t.fake);
    await t.drover.startWorker();
  });

  afterAll(async () => {
    await t.close();
  });

  it('a broken policy file stops start-up with every problem listed, exit 2', async () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'groups:\n  ops: [cli:dave]\nrules:\n  - groups: [opss]\n    runbooks: ["*"]\n    clusters: ["*"]\napprovals:\n  - require: { approvals: 0, within: soon }\n');
    for (const command of [['serve', '--no-worker'], ['run', 'restart-deployment', 'namespace=demo', 'deployment=web']]) {
      const r = await drover(t, command, { DROVER_POLICY: broken });
      expect(r.code).toBe(EXIT.usage);
      expect(r.err).toContain(`Policy file ${broken} is invalid:`);
      expect(r.err).toMatch(/rules\[0\]\.groups\[0\]: unknown group "opss"/);
      expect(r.err).toMatch(/approvals\[0\]\.require\.approvals/);
      expect(r.err).toMatch(/approvals\[0\]\.require\.within/);
    }
  });

  it('without a policy file every run on a real cluster is denied, and the refusal is audited', async () => {
    const r = await drover(t, ['run', 'restart-deployment', 'namespace=demo', 'deployment=web'], { DROVER_POLICY: '' });
    expect(r.code).toBe(EXIT.denied);
    expect(r.err).toMatch(/no policy is configured/);
    const denied = (await t.drover.audit.read()).filter((e) => e.type === 'permission.denied');
    expect(denied.at(-1)).toMatchObject({ runbook: 'restart-deployment', cluster: 'test', actor: { kind: 'cli', id: 'dave@laptop' } });
  });

  it('a namespace the rules exclude is denied, exit 7, and nothing is queued', async () => {
    const before = (await t.drover.store.recent(100)).length;
    const r = await drover(t, ['run', 'restart-deployment', 'namespace=kube-system', 'deployment=coredns'], { DROVER_POLICY: policyFile });
    expect(r.code).toBe(EXIT.denied);
    expect(r.err).toMatch(/Denied/);
    expect((await t.drover.store.recent(100)).length).toBe(before);
  });

  it('a run that needs approval is held: the CLI says so, status shows the dry-run plan, --wait ends with the decision', async () => {
    const waiting = drover(t, ['run', 'scale-deployment', 'namespace=demo', 'deployment=web', 'replicas=4', '--wait'], { DROVER_POLICY: policyFile });
    const run = await waitFor(async () => (await t.drover.store.recent(100)).find((r) => r.runbook === 'scale-deployment' && r.state === 'awaiting_approval'), 'the proposal');
    const status = await drover(t, ['status', run.id], { DROVER_POLICY: policyFile });
    expect(status.out).toMatch(/State:\s+awaiting_approval/);
    expect(status.out).toMatch(/Approval:\s+0\/1 from leads \(approvals\[0\]: .*\); approved by nobody yet/);
    expect(status.out).toContain(`Plan hash:  ${run.approval?.hash?.slice(0, 12) ?? '?'}`);
    expect(status.out).toMatch(/\[dry run\] scale Deployment demo\/web: replicas 3 → 4/);
    // Nothing changed yet.
    expect((t.fake.get('deployments', 'demo', 'web') as unknown as { spec: { replicas: number } }).spec.replicas).toBe(3);

    await t.drover.approvals.reject(run.id, { kind: 'slack', id: 'U0BOB' });
    const r = await waiting;
    expect(r.out).toMatch(/needs approval \(1 from leads; approvals\[0\]/);
    expect(r.out).toMatch(/rejected by U0BOB/);
    expect(r.code).toBe(EXIT.notApproved);
    expect((t.fake.get('deployments', 'demo', 'web') as unknown as { spec: { replicas: number } }).spec.replicas).toBe(3);
  });

  it('once a lead approves, the held run executes exactly the approved change', async () => {
    const r = await drover(t, ['run', 'scale-deployment', 'namespace=demo', 'deployment=web', 'replicas=5'], { DROVER_POLICY: policyFile });
    expect(r.code).toBe(EXIT.ok);
    const run = await waitFor(async () => (await t.drover.store.recent(100)).find((x) => x.runbook === 'scale-deployment' && x.state === 'awaiting_approval'), 'the proposal');
    const outcome = await t.drover.approvals.approve(run.id, { kind: 'slack', id: 'U0BOB' }, run.approval?.hash ?? '');
    expect(outcome.kind).toBe('approved');
    await waitFor(async () => (await t.drover.store.get(run.id))?.state === 'succeeded', 'the approved run');
    expect((t.fake.get('deployments', 'demo', 'web') as unknown as { spec: { replicas: number } }).spec.replicas).toBe(5);
  });

  it('policy check resolves Slack user groups through Slack when it has the bot token', async () => {
    const slack = await startSlackFake({ botToken: 'xoxb-check', userGroups: { S0LEADS: ['U0LEAD'] } });
    try {
      const groupPolicy = join(dir, 'groups.yaml');
      writeFileSync(groupPolicy, 'groups:\n  leads: [S0LEADS]\nrules:\n  - groups: [leads]\n    runbooks: ["*"]\n    clusters: ["*"]\n');
      const args = ['policy', 'check', 'U0LEAD', 'restart-deployment', 'namespace=demo', 'deployment=web', '--cluster', 'test'];
      const offline = await drover(t, args, { DROVER_POLICY: groupPolicy });
      expect(offline.code).toBe(EXIT.failed);
      expect(offline.out).toMatch(/not resolved without SLACK_BOT_TOKEN/);
      const online = await drover(t, args, { DROVER_POLICY: groupPolicy, SLACK_BOT_TOKEN: 'xoxb-check', SLACK_SIGNING_SECRET: 'x'.repeat(32), SLACK_API_URL: slack.url });
      expect(online.out).toMatch(/Decision:\s+ALLOWED by rules\[0\]/);
      expect(online.code).toBe(EXIT.ok);
    } finally {
      await slack.stop();
    }
  });
});
