import { blockActionBody, eventCallbackBody, slashCommandBody, viewSubmissionBody } from '../../../src/testing/index.js';
import { isTerminal, type RunRecord } from '../../../src/jobs/run-record.js';
import { defineRunbook, z } from '../../../src/sdk/index.js';
import { buildSlackTestDrover, SIGNING_SECRET, type SlackTestDrover } from '../../support/slack-drover.js';
import { deferred, waitFor, type Deferred } from '../../support/wait-for.js';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const CHANNEL = 'C0OPS';
const USER = 'U0ALICE';

let gate: Deferred = deferred();
const slow = defineRunbook({
  id: 'slow-scale',
  summary: 'Waits for a gate, then scales',
  params: z.object({ replicas: z.number().int() }),
  async run(ctx, { replicas }) {
    await ctx.step('wait', () => gate.promise);
    await ctx.step('scale', () => ctx.k8s.scaleDeployment('demo', 'web', replicas));
  },
});

function command(text: string, extra: Partial<Parameters<typeof slashCommandBody>[0]> = {}): string {
  return slashCommandBody({ text, userId: USER, userName: 'alice', channelId: CHANNEL, triggerId: `trig-${Math.random()}`, ...extra });
}

async function runs(t: SlackTestDrover): Promise<RunRecord[]> {
  return t.drover.store.recent(100);
}

async function finished(t: SlackTestDrover, runId: string): Promise<RunRecord> {
  return waitFor(async () => {
    const run = await t.drover.store.get(runId);
    return run && isTerminal(run.state) ? run : undefined;
  }, `run ${runId} to finish`);
}

function textOf(args: Record<string, unknown>): string {
  return JSON.stringify([args.text, args.blocks ?? args.view]);
}

describe('Slack: signed requests on Drover\'s receiver for Bolt', () => {
  let t: SlackTestDrover;

  beforeAll(async () => {
    t = await buildSlackTestDrover({ runbooks: [slow], channels: { 'delete-pod': [CHANNEL] } });
  });

  afterAll(async () => {
    gate.resolve();
    await t.close();
  });

  beforeEach(() => {
    t.slack.clear();
  });

  it('refuses a forged signature and a stale timestamp with 401, creating nothing', async () => {
    const before = (await runs(t)).length;
    const forged = await t.send(command('run restart-deployment namespace=demo deployment=web'), FORM, { secret: 'not-the-secret' });
    expect(forged.status).toBe(401);
    const stale = await t.send(command('run restart-deployment namespace=demo deployment=web'), FORM, { timestampSeconds: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect((await runs(t)).length).toBe(before);
    expect(t.slack.calls().filter((c) => c.method !== 'auth.test')).toEqual([]);
  });

  it('help, list and describe answer privately', async () => {
    const help = await t.send(command('help'), FORM);
    expect(help.status).toBe(200);
    const ephemeral = await t.slack.waitForCall('chat.postEphemeral');
    expect(ephemeral.args).toMatchObject({ channel: CHANNEL, user: USER });
    expect(textOf(ephemeral.args)).toMatch(/status/);

    t.slack.clear();
    await t.send(command('list scale'), FORM);
    const list = await t.slack.waitForCall('chat.postEphemeral');
    expect(textOf(list.args)).toMatch(/scale-deployment/);
    expect(textOf(list.args)).not.toMatch(/delete-pod/);

    t.slack.clear();
    await t.send(command('describe scale-deployment'), FORM);
    const describe = await t.slack.waitForCall('chat.postEphemeral');
    expect(textOf(describe.args)).toMatch(/replicas/);
    expect(textOf(describe.args)).toMatch(/allowZero/);
  });

  it('an unknown runbook, parameter or command gets a suggestion', async () => {
    await t.send(command('describe scale-deploymnt'), FORM);
    expect(textOf((await t.slack.waitForCall('chat.postEphemeral')).args)).toMatch(/Did you mean .*scale-deployment/);
    t.slack.clear();
    await t.send(command('run scale-deployment namespace=demo deploymnet=web replicas=3'), FORM);
    expect(textOf((await t.slack.waitForCall('chat.postEphemeral')).args)).toMatch(/did you mean .*deployment/);
    t.slack.clear();
    await t.send(command('stauts r123'), FORM);
    expect(textOf((await t.slack.waitForCall('chat.postEphemeral')).args)).toMatch(/Did you mean .*status/);
  });

  it('run posts the run message, streams steps into its thread and updates it with the outcome', async () => {
    const res = await t.send(command('run scale-deployment namespace=demo deployment=web replicas=4'), FORM);
    expect(res.status).toBe(200);
    const parent = await t.slack.waitForCall('chat.postMessage', (c) => c.args.thread_ts === undefined);
    expect(parent.args.channel).toBe(CHANNEL);
    const parentText = textOf(parent.args);
    expect(parentText).toMatch(/scale-deployment/);
    expect(parentText).toMatch(/<@U0ALICE>/);
    expect(parentText).toMatch(/replicas=4/);
    const ts = parent.response?.ts as string;
    const runId = (await runs(t)).find((r) => r.runbook === 'scale-deployment' && r.params.replicas === 4)!.id;
    expect((await t.drover.store.get(runId))?.requester).toEqual({ kind: 'slack', id: USER, name: 'alice' });
    await finished(t, runId);

    const update = await t.slack.waitForCall('chat.update', (c) => c.args.ts === ts && /succeeded/i.test(textOf(c.args)));
    expect(update.args.channel).toBe(CHANNEL);
    await waitFor(() => t.slack.thread(CHANNEL, ts).some((m) => /scale/.test(m.text)), 'a thread reply about the scale step');
    const thread = t.slack.thread(CHANNEL, ts).map((m) => m.text).join('\n');
    expect(thread).toMatch(/read current scale/);
    expect(thread).toMatch(/replicas 3 → 4|3 → 4/);
    expect(t.fake.requests.some((r) => r.method === 'PATCH' && r.path.endsWith('/deployments/web/scale'))).toBe(true);
  });

  it('a dry run renders its plan as a diff in the thread and changes nothing', async () => {
    const before = JSON.stringify(t.fake.get('deployments', 'demo', 'web'));
    await t.send(command('run restart-deployment namespace=demo deployment=web --dry-run'), FORM);
    const parent = await t.slack.waitForCall('chat.postMessage', (c) => c.args.thread_ts === undefined);
    const ts = parent.response?.ts as string;
    await waitFor(() => t.slack.thread(CHANNEL, ts).some((m) => /restartedAt/.test(JSON.stringify(m))), 'the plan diff in the thread');
    const diffReply = JSON.stringify(t.slack.thread(CHANNEL, ts));
    expect(diffReply).toMatch(/```/);
    expect(diffReply).toMatch(/\+\s+kubectl\.kubernetes\.io\/restartedAt/);
    await t.slack.waitForCall('chat.update', (c) => c.args.ts === ts && /dry run/i.test(textOf(c.args)) && /succeeded/i.test(textOf(c.args)));
    expect(JSON.stringify(t.fake.get('deployments', 'demo', 'web'))).toBe(before);
    expect(t.fake.requests.filter((r) => r.method === 'PATCH' && r.query.dryRun !== 'All' && r.path.endsWith('/deployments/web'))).toEqual([]);
  });

  it('missing params open a modal; invalid input is shown inline; a valid submission runs', async () => {
    const triggerId = 'trig-modal-1';
    await t.send(command('run scale-deployment namespace=demo', { triggerId }), FORM);
    const open = await t.slack.waitForCall('views.open');
    expect(open.args.trigger_id).toBe(triggerId);
    const view = open.args.view as { callback_id: string; private_metadata: string; blocks: Array<{ block_id?: string }> };
    expect(view.callback_id).toBe('drover_run');
    expect(view.blocks.map((b) => b.block_id)).toEqual(expect.arrayContaining(['param:namespace', 'param:deployment', 'param:replicas']));

    const values = (replicas: string) => ({
      'param:namespace': { value: { type: 'plain_text_input', value: 'demo' } },
      'param:deployment': { value: { type: 'plain_text_input', value: 'web' } },
      'param:replicas': { value: { type: 'number_input', value: replicas } },
    });
    const before = (await runs(t)).length;
    const bad = await t.send(viewSubmissionBody({ callbackId: 'drover_run', privateMetadata: view.private_metadata, values: values('500'), userId: USER, view: open.args.view as Record<string, unknown> }), FORM);
    expect(bad.status).toBe(200);
    const answer = JSON.parse(bad.text) as { response_action: string; errors: Record<string, string> };
    expect(answer.response_action).toBe('errors');
    expect(answer.errors['param:replicas']).toMatch(/<=50|50/);
    expect((await runs(t)).length).toBe(before);

    const good = await t.send(viewSubmissionBody({ callbackId: 'drover_run', privateMetadata: view.private_metadata, values: values('2'), userId: USER, view: open.args.view as Record<string, unknown> }), FORM);
    expect(good.status).toBe(200);
    expect(good.text).toBe('');
    const parent = await t.slack.waitForCall('chat.postMessage', (c) => c.args.thread_ts === undefined && /replicas=2/.test(textOf(c.args)));
    expect(parent.args.channel).toBe(CHANNEL);
  });

  it('the Cancel button cancels a running run and the message says so', async () => {
    gate = deferred();
    await t.send(command('run slow-scale replicas=5'), FORM);
    const parent = await t.slack.waitForCall('chat.postMessage', (c) => c.args.thread_ts === undefined && /slow-scale/.test(textOf(c.args)));
    const ts = parent.response?.ts as string;
    const run = (await runs(t)).find((r) => r.runbook === 'slow-scale')!;
    await waitFor(async () => (await t.drover.store.get(run.id))?.state === 'running', 'the run to start');
    const click = await t.send(blockActionBody({ actionId: 'drover_cancel', value: run.id, userId: 'U0BOB', channelId: CHANNEL, messageTs: ts }), FORM);
    expect(click.status).toBe(200);
    await waitFor(async () => (await t.drover.store.cancelRequested(run.id))?.id === 'U0BOB', 'the cancel request');
    gate.resolve();
    expect((await finished(t, run.id)).state).toBe('cancelled');
    await t.slack.waitForCall('chat.update', (c) => c.args.ts === ts && /cancelled/i.test(textOf(c.args)));
    expect(t.fake.requests.filter((r) => r.method === 'PATCH' && r.body && JSON.stringify(r.body).includes('"replicas":5'))).toHaveLength(0);
  });

  it('a retried event (X-Slack-Retry-Num) creates no second run', async () => {
    const before = (await runs(t)).length;
    const body = eventCallbackBody({
      eventId: 'Ev0RETRY1',
      event: { type: 'app_mention', user: USER, channel: CHANNEL, ts: '1795531421.000200', text: '<@U0DROVER> run restart-deployment namespace=demo deployment=web' },
    });
    expect((await t.send(body, JSON_TYPE)).status).toBe(200);
    expect((await t.send(body, JSON_TYPE, { headers: { 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' } })).status).toBe(200);
    await t.slack.waitForCall('chat.postMessage', (c) => c.args.thread_ts === undefined && /restart-deployment/.test(textOf(c.args)));
    await new Promise((r) => setTimeout(r, 500));
    expect((await runs(t)).length).toBe(before + 1);
  });

  it('a 429 from Slack is waited out, never dropped', async () => {
    t.slack.rateLimitNext('chat.postMessage', { retryAfterSeconds: 1 });
    const started = Date.now();
    await t.send(command('run scale-deployment namespace=demo deployment=web replicas=3'), FORM);
    const parent = await t.slack.waitForCall('chat.postMessage', (c) => c.args.thread_ts === undefined && c.status === 200 && /replicas=3/.test(textOf(c.args)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(t.slack.calls('chat.postMessage').filter((c) => c.args.thread_ts === undefined && /replicas=3/.test(textOf(c.args)) && c.status === 200)).toHaveLength(1);
    expect(parent.args.channel).toBe(CHANNEL);
  });

  it('a runbook restricted to other channels is refused here, with no run', async () => {
    const before = (await runs(t)).length;
    await t.send(command('run delete-pod namespace=demo pod=web-1', { channelId: 'C0ELSEWHERE' }), FORM);
    const refusal = await t.slack.waitForCall('chat.postEphemeral');
    expect(textOf(refusal.args)).toMatch(/can only be run in/);
    expect((await runs(t)).length).toBe(before);
  });

  it('/drover audit shows recent events and whether the chain verifies', async () => {
    await t.send(command('audit'), FORM);
    const reply = textOf((await t.slack.waitForCall('chat.postEphemeral')).args);
    expect(reply).toMatch(/Audit log/);
    expect(reply).toMatch(/Chain intact: \d+ events verified/);
    expect(reply).toMatch(/run\.queued/);
  });

  it('errors are short and safe: no stack trace, no token', async () => {
    await t.send(command('status no-such-run'), FORM);
    const reply = textOf((await t.slack.waitForCall('chat.postEphemeral')).args);
    expect(reply).toMatch(/No run with id/);
    expect(reply).not.toMatch(/at .*\.ts:\d+|xoxb-|Error:/);
    expect(reply).not.toContain(SIGNING_SECRET);
  });
});
