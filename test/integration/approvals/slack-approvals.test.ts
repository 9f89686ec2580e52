import { blockActionBody, slashCommandBody } from '../../../src/testing/index.js';
import { isTerminal, type RunRecord } from '../../../src/jobs/run-record.js';
import { parsePolicy } from '../../../src/policy/index.js';
import type { AuditEvent } from '../../../src/audit/events.js';
import { buildSlackTestDrover, type SlackTestDrover } from '../../support/slack-drover.js';
import { waitFor } from '../../support/wait-for.js';

const FORM = 'application/x-www-form-urlencoded';
const CHANNEL = 'C0OPS';
const ALICE = 'U0ALICE'; // sre: asks
const BOB = 'U0BOB'; // sre and lead (through the Slack user group)
const CAROL = 'U0CAROL'; // sre and lead
const DAVE = 'U0DAVE'; // viewer: dry runs of scale-* only
const APPROVALS = 'C0APPROVALS';

const POLICY = `
groups:
  sre: [${ALICE}, ${BOB}, ${CAROL}, 'cli:dave']
  leads: [S0LEADS]
  viewers: [${DAVE}]
rules:
  - groups: [sre]
    runbooks: ['*']
    clusters: ['*']
  - groups: [viewers]
    runbooks: ['scale-*']
    clusters: ['*']
    dryRunOnly: true
approvals:
  - runbooks: [scale-deployment]
    require: { approvals: 2, from: leads, within: 15m }
  - runbooks: [restart-deployment]
    require: { approvals: 1, from: leads, within: 1s }
`;

function command(text: string, user: string): string {
  return slashCommandBody({ text, userId: user, userName: user.toLowerCase(), channelId: CHANNEL, triggerId: `trig-${Math.random()}` });
}

function textOf(args: Record<string, unknown>): string {
  return JSON.stringify([args.text, args.blocks ?? args.view]);
}

/** Scale PATCHes that really changed something (not dry runs). */
function realScales(t: SlackTestDrover): unknown[] {
  return t.fake.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/deployments/web/scale') && r.query.dryRun !== 'All');
}

describe('approvals in Slack: the plan, who may approve, N of M, expiry, void', () => {
  let t: SlackTestDrover;

  beforeAll(async () => {
    t = await buildSlackTestDrover({
      policy: { document: parsePolicy(POLICY, 'test policy') },
      slackFake: { userGroups: { S0LEADS: [BOB, CAROL] } },
      configure: (c) => {
        c.approvals.channel = APPROVALS;
      },
    });
  });

  afterAll(async () => {
    await t.close();
  });

  beforeEach(() => {
    t.slack.clear();
  });

  /** Asks for a run as `user`; returns it once it awaits approval, with its parent message's ts. */
  async function propose(text: string, user = ALICE): Promise<{ run: RunRecord; ts: string }> {
    const before = new Set((await t.drover.store.recent(200)).map((r) => r.id));
    expect((await t.send(command(text, user), FORM)).status).toBe(200);
    const run = await waitFor(async () => (await t.drover.store.recent(200)).find((r) => !before.has(r.id)), 'the proposal');
    const parent = await t.slack.waitForCall('chat.postMessage', (c) => c.args.thread_ts === undefined && textOf(c.args).includes(run.id));
    const pending = await waitFor(async () => {
      const r = await t.drover.store.get(run.id);
      return r?.state === 'awaiting_approval' ? r : undefined;
    }, 'the plan').catch(async (err: unknown) => {
      throw new Error(`${String(err)}: ${JSON.stringify(await t.drover.store.get(run.id))} ${JSON.stringify(await t.drover.store.events(run.id))}`);
    });
    return { run: pending, ts: parent.response?.ts as string };
  }

  /** Clicks a button on the run's message as `user`, with the value the message carries now. */
  async function click(ts: string, actionId: 'drover_approve' | 'drover_reject', user: string): Promise<void> {
    const message = await waitFor(() => {
      const m = t.slack.message(CHANNEL, ts);
      return m && JSON.stringify(m.blocks ?? []).includes(actionId) ? m : undefined;
    }, `the ${actionId} button`);
    const value = findValue(message.blocks ?? [], actionId);
    const res = await t.send(blockActionBody({ actionId, value, userId: user, channelId: CHANNEL, messageTs: ts, message }), FORM);
    expect(res.status).toBe(200);
  }

  async function privateAnswer(user: string, pattern: RegExp): Promise<string> {
    const call = await t.slack.waitForCall('chat.postEphemeral', (c) => c.args.user === user && pattern.test(textOf(c.args)));
    return textOf(call.args);
  }

  async function finished(runId: string): Promise<RunRecord> {
    return waitFor(async () => {
      const r = await t.drover.store.get(runId);
      return r && isTerminal(r.state) ? r : undefined;
    }, `run ${runId} to finish`);
  }

  async function events(runId: string): Promise<AuditEvent[]> {
    return (await t.drover.audit.read()).filter((e) => 'runId' in e && e.runId === runId);
  }

  it('shows the dry-run plan with Approve/Reject, refuses the requester and outsiders (audited), counts each lead once, then runs', async () => {
    const patchesBefore = realScales(t).length;
    const { run, ts } = await propose('run scale-deployment namespace=demo deployment=web replicas=4');
    expect(run.approval).toMatchObject({ needed: 2, group: 'leads' });

    // The message shows who asked, the params, the cluster and the server-side dry-run diff.
    const shown = await t.slack.waitForCall('chat.update', (c) => c.args.ts === ts && textOf(c.args).includes('drover_approve'));
    const body = textOf(shown.args);
    expect(body).toContain(ALICE);
    expect(body).toContain('replicas=4');
    expect(body).toContain('test');
    expect(body).toMatch(/-\s+replicas: 3[\s\S]*\+\s+replicas: 4/);
    // Only dry runs so far.
    expect(t.fake.requests.some((r) => r.method === 'PATCH' && r.query.dryRun === 'All')).toBe(true);
    expect(realScales(t)).toHaveLength(patchesBefore);

    await click(ts, 'drover_approve', ALICE);
    expect(await privateAnswer(ALICE, /someone else must approve/)).toBeTruthy();
    await click(ts, 'drover_approve', DAVE);
    expect(await privateAnswer(DAVE, /leads|not/i)).toBeTruthy();

    await click(ts, 'drover_approve', BOB);
    await privateAnswer(BOB, /recorded \(1\/2\)/);
    await click(ts, 'drover_approve', BOB);
    await privateAnswer(BOB, /counts once \(1\/2\)/);
    expect((await t.drover.store.get(run.id))?.state).toBe('awaiting_approval');
    expect(realScales(t)).toHaveLength(patchesBefore);

    await click(ts, 'drover_approve', CAROL);
    await privateAnswer(CAROL, /Approved \(2\/2\)/);
    const done = await finished(run.id);
    expect(done.state).toBe('succeeded');
    expect(done.approval?.approvers.map((a) => a.id)).toEqual([BOB, CAROL]);
    expect(realScales(t)).toHaveLength(patchesBefore + 1);
    expect(t.fake.get('Deployment', 'demo', 'web')?.spec).toMatchObject({ replicas: 4 });

    const audit = await events(run.id);
    const refused = audit.filter((e) => e.type === 'approval.refused');
    expect(refused.map((e) => (e as { actor: { id: string } }).actor.id)).toEqual([ALICE, DAVE]);
    expect(audit.filter((e) => e.type === 'approval.granted')).toHaveLength(2);
    // The plan's hash is recorded as such, apart from the chain's own hash.
    const requested = audit.find((e) => e.type === 'approval.requested') as { planHash?: string; hash: string } | undefined;
    expect(requested?.planHash).toBe(run.approval?.hash);
    expect(requested?.hash).not.toBe(run.approval?.hash);
    const types = audit.map((e) => e.type);
    expect(types.indexOf('run.proposed')).toBeLessThan(types.indexOf('approval.requested'));
    expect(types.indexOf('approval.requested')).toBeLessThan(types.lastIndexOf('approval.granted'));
    expect(types.lastIndexOf('approval.granted')).toBeLessThan(types.indexOf('run.started'));
    expect((await t.drover.audit.verify()).ok).toBe(true);
    // The parent message ends with the outcome and who approved.
    await t.slack.waitForCall('chat.update', (c) => c.args.ts === ts && /succeeded/.test(textOf(c.args)) && textOf(c.args).includes(CAROL));
  });

  it('a changed param voids the approval: nothing is changed', async () => {
    const patchesBefore = realScales(t).length;
    const { run, ts } = await propose('run scale-deployment namespace=demo deployment=web replicas=5');
    await click(ts, 'drover_approve', BOB);
    await privateAnswer(BOB, /recorded/);
    // Someone edits the held run's params in Redis before the last approval.
    await t.redis.hset(`${t.prefix}:run:${run.id}`, 'params', JSON.stringify({ ...run.params, replicas: 7 }));
    await click(ts, 'drover_approve', CAROL);
    const done = await finished(run.id);
    expect(done.state).toBe('failed');
    expect(done.error?.code).toBe('approval_void');
    expect(realScales(t)).toHaveLength(patchesBefore);
    expect((await events(run.id)).some((e) => e.type === 'approval.voided')).toBe(true);
  });

  it('a cluster that changed after approval voids it; a button for an outdated plan is refused', async () => {
    const patchesBefore = realScales(t).length;
    const { run, ts } = await propose('run scale-deployment namespace=demo deployment=web replicas=6');
    const outdated = JSON.stringify({ run: run.id, hash: '0'.repeat(64) });
    await t.send(blockActionBody({ actionId: 'drover_approve', value: outdated, userId: BOB, channelId: CHANNEL, messageTs: ts }), FORM);
    await privateAnswer(BOB, /outdated plan/);

    await click(ts, 'drover_approve', BOB);
    await privateAnswer(BOB, /recorded/);
    // Someone else scales web meanwhile: "2 → 6" is no longer what would happen.
    const web = t.fake.get('Deployment', 'demo', 'web') as unknown as { spec: { replicas: number } };
    t.fake.seed({ ...web, spec: { ...web.spec, replicas: 9 } } as never);
    await click(ts, 'drover_approve', CAROL);
    const done = await finished(run.id);
    expect(done.error?.code).toBe('approval_void');
    expect(realScales(t)).toHaveLength(patchesBefore);
    // The thread shows what would change now.
    await t.slack.waitForCall('chat.postMessage', (c) => c.args.thread_ts === ts && /replicas: 9/.test(textOf(c.args)));
  });

  it('expires when nobody approves in time, and says so', async () => {
    const restarts = () => t.fake.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/deployments/web') && r.query.dryRun !== 'All').length;
    const restartsBefore = restarts();
    const { run, ts } = await propose('run restart-deployment namespace=demo deployment=web');
    await new Promise((r) => setTimeout(r, 1100));
    expect(await t.drover.approvals.sweep()).toBeGreaterThanOrEqual(1);
    const done = await finished(run.id);
    expect(done.state).toBe('expired');
    await t.slack.waitForCall('chat.update', (c) => c.args.ts === ts && /expired/.test(textOf(c.args)) && !textOf(c.args).includes('drover_approve'));
    // A late click changes nothing.
    const late = JSON.stringify({ run: run.id, hash: done.approval?.hash });
    await t.send(blockActionBody({ actionId: 'drover_approve', value: late, userId: BOB, channelId: CHANNEL, messageTs: ts }), FORM);
    await privateAnswer(BOB, /is expired; there is nothing to decide/);
    expect((await events(run.id)).some((e) => e.type === 'approval.expired')).toBe(true);
    // Nothing was restarted, by the run or by the late click.
    await new Promise((r) => setTimeout(r, 300));
    expect(restarts()).toBe(restartsBefore);
  });

  it('a lead can reject; the run ends rejected and nothing changes', async () => {
    const patchesBefore = realScales(t).length;
    const { run, ts } = await propose('run scale-deployment namespace=demo deployment=web replicas=3');
    await click(ts, 'drover_reject', CAROL);
    await privateAnswer(CAROL, /rejected/);
    expect((await finished(run.id)).state).toBe('rejected');
    expect(realScales(t)).toHaveLength(patchesBefore);
  });

  it('a proposal made on the CLI is posted to the approvals channel, where the serving notifier keeps it current', async () => {
    const run = await t.drover.gate.submit({ runbook: 'scale-deployment', params: { namespace: 'demo', deployment: 'web', replicas: 2 }, requester: { kind: 'cli', id: 'dave@laptop' } });
    expect(await t.drover.announceProposal(run)).toBe(`<#${APPROVALS}>`);
    await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === APPROVALS && textOf(c.args).includes(run.id));
    // The notifier adopts the thread (it was recorded, not claimed) and shows the plan with the buttons.
    const shown = await t.slack.waitForCall('chat.update', (c) => c.args.channel === APPROVALS && textOf(c.args).includes('drover_approve'), 10_000);
    expect(textOf(shown.args)).toContain('dave@laptop');
    await t.drover.queue.cancel(run.id, { kind: 'cli', id: 'dave@laptop' });
  }, 20_000);

  it('a typed approval must name the plan it approves', async () => {
    const { run } = await propose('run scale-deployment namespace=demo deployment=web replicas=2');
    const hash = run.approval?.hash ?? '';
    await t.send(command(`approve ${run.id}`, BOB), FORM);
    const shown = await privateAnswer(BOB, /To approve exactly this plan/);
    expect(shown).toContain(`approve ${run.id} ${hash.slice(0, 12)}`);
    expect(shown).toMatch(/What would change/);
    await t.send(command(`approve ${run.id} deadbeefcafe`, BOB), FORM);
    await privateAnswer(BOB, /is not the current plan/);
    expect((await t.drover.store.get(run.id))?.approval?.approvers).toEqual([]);
    await t.send(command(`approve ${run.id} ${hash.slice(0, 12)}`, BOB), FORM);
    await privateAnswer(BOB, /recorded \(1\/2\)/);
    await t.drover.queue.cancel(run.id, { kind: 'slack', id: ALICE });
  });

  it('cancelling is for the requester or someone allowed to run it: others are refused and audited', async () => {
    const { run } = await propose('run scale-deployment namespace=demo deployment=web replicas=3');
    await t.send(command(`cancel ${run.id}`, DAVE), FORM);
    await privateAnswer(DAVE, /may cancel run/);
    expect((await t.drover.store.get(run.id))?.state).toBe('awaiting_approval');
    const refused = (await t.drover.audit.read()).filter((e) => e.type === 'permission.denied' && e.action === 'cancel');
    expect(refused.at(-1)).toMatchObject({ runId: run.id, actor: { id: DAVE } });
    await t.send(command(`cancel ${run.id}`, BOB), FORM);
    await privateAnswer(BOB, /cancelled/);
    expect((await t.drover.store.get(run.id))?.state).toBe('cancelled');
  });

  it('denies by default: no matching rule, an unknown user; audited, nothing created', async () => {
    const before = (await t.drover.store.recent(200)).length;
    await t.send(command('run restart-deployment namespace=demo deployment=web', DAVE), FORM);
    await privateAnswer(DAVE, /Denied/);
    await t.send(command('run scale-deployment namespace=demo deployment=web replicas=3', 'U0ZED'), FORM);
    await privateAnswer('U0ZED', /Denied/);
    // A dry run is what the viewers' rule allows.
    await t.send(command('run scale-deployment namespace=demo deployment=web replicas=3 --dry-run', DAVE), FORM);
    await t.slack.waitForCall('chat.postMessage', (c) => c.args.thread_ts === undefined && /dry run/.test(textOf(c.args)));
    expect((await t.drover.store.recent(200)).length).toBe(before + 1);
    // Nor may someone the policy does not know read the audit log in chat.
    await t.send(command('audit', 'U0ZED'), FORM);
    await privateAnswer('U0ZED', /audit log is for people the policy knows/);
    const denied = (await t.drover.audit.read()).filter((e) => e.type === 'permission.denied');
    expect(denied.map((e) => (e as { actor: { id: string } }).actor.id)).toEqual(expect.arrayContaining([DAVE, 'U0ZED']));
  });
});

function findValue(blocks: unknown[], actionId: string): string {
  for (const block of blocks as Array<{ elements?: Array<{ action_id?: string; value?: string }> }>) {
    const found = block.elements?.find((e) => e.action_id === actionId);
    if (found?.value) return found.value;
  }
  throw new Error(`no ${actionId} button`);
}
