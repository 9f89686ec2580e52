import { pino } from 'pino';
import { slashCommandBody, viewSubmissionBody } from '../../../src/testing/index.js';
import { buildSlackTestDrover, type SlackTestDrover } from '../../support/slack-drover.js';
import { waitFor } from '../../support/wait-for.js';

const FORM = 'application/x-www-form-urlencoded';
const CHANNEL = 'C0OPS';

function command(text: string): string {
  return slashCommandBody({ text, userId: 'U0ALICE', userName: 'alice', channelId: CHANNEL, triggerId: `trig-${Math.random()}` });
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 500));

describe('Slack: timestamps and replays, signed for real', () => {
  let t: SlackTestDrover;
  const logged: Array<{ msg: string }> = [];

  beforeAll(async () => {
    t = await buildSlackTestDrover({ logger: pino({ level: 'warn' }, { write: (line: string) => logged.push(JSON.parse(line) as { msg: string }) }) });
  });

  afterAll(async () => {
    await t.close();
  });

  beforeEach(() => {
    t.slack.clear();
  });

  const posted = () => t.slack.calls().filter((c) => c.method !== 'auth.test');

  it.each([
    ['one hour ahead', 3600],
    ['one year ahead', 365 * 24 * 3600],
    ['six minutes ahead', 6 * 60],
    ['six minutes behind', -6 * 60],
  ])('refuses a request signed with a timestamp %s: 401, nothing done', async (_name, offset) => {
    const before = (await t.drover.store.recent(100)).length;
    const res = await t.send(command('run restart-deployment namespace=demo deployment=web'), FORM, { timestampSeconds: nowSeconds() + offset });
    expect(res.status).toBe(401);
    await settle();
    expect((await t.drover.store.recent(100)).length).toBe(before);
    expect(posted()).toEqual([]);
  });

  it('takes a request a few minutes ahead (clock skew within Slack\'s five minutes)', async () => {
    const res = await t.send(command('help'), FORM, { timestampSeconds: nowSeconds() + 4 * 60 });
    expect(res.status).toBe(200);
    await t.slack.waitForCall('chat.postEphemeral');
  });

  it('a replayed modal submission (answered after its handling, so claimed before it): 200 with nothing, no second run', async () => {
    const triggerId = `trig-modal-replay-${Math.random()}`;
    await t.send(slashCommandBody({ text: 'run scale-deployment namespace=demo', userId: 'U0ALICE', userName: 'alice', channelId: CHANNEL, triggerId }), FORM);
    const open = await t.slack.waitForCall('views.open', (c) => c.args.trigger_id === triggerId);
    const view = open.args.view as { private_metadata: string };
    const values = {
      'param:namespace': { value: { type: 'plain_text_input', value: 'demo' } },
      'param:deployment': { value: { type: 'plain_text_input', value: 'web' } },
      'param:replicas': { value: { type: 'number_input', value: '2' } },
    };
    const body = viewSubmissionBody({ callbackId: 'drover_run', privateMetadata: view.private_metadata, values, userId: 'U0ALICE', view: open.args.view as Record<string, unknown> });
    const timestampSeconds = nowSeconds();
    const before = (await t.drover.store.recent(100)).length;
    t.slack.clear();
    logged.length = 0;
    const first = await t.send(body, FORM, { timestampSeconds });
    expect(first).toMatchObject({ status: 200, text: '' });
    const replay = await t.send(body, FORM, { timestampSeconds });
    expect(replay).toMatchObject({ status: 200, text: '' });
    await waitFor(async () => (await t.drover.store.recent(100)).length > before, 'the run');
    await settle();
    expect((await t.drover.store.recent(100)).length).toBe(before + 1);
    // Handled once: one run message, and Bolt never saw the replay.
    expect(t.slack.calls('chat.postMessage').filter((c) => c.args.thread_ts === undefined && /replicas=2/.test(JSON.stringify(c.args)))).toHaveLength(1);
    expect(logged.filter((l) => /a replay/.test(l.msg))).toHaveLength(1);
  });

  it('a replayed command (same body, timestamp and signature) posts nothing twice and starts no second run', async () => {
    const body = command('run scale-deployment namespace=demo deployment=web replicas=2');
    const timestampSeconds = nowSeconds();
    const before = (await t.drover.store.recent(100)).length;
    expect((await t.send(body, FORM, { timestampSeconds })).status).toBe(200);
    await t.slack.waitForCall('chat.postMessage', (c) => c.args.thread_ts === undefined);
    const replay = await t.send(body, FORM, { timestampSeconds });
    expect(replay.status).toBe(200);
    expect(replay.text).toBe('');
    await waitFor(async () => (await t.drover.store.recent(100)).length > before, 'the first run');
    await settle();
    expect((await t.drover.store.recent(100)).length).toBe(before + 1);
    expect(t.slack.calls('chat.postMessage').filter((c) => c.args.thread_ts === undefined)).toHaveLength(1);
  });
});

describe('Slack: signed bodies Bolt cannot read are refused, and the server lives on', () => {
  let t: SlackTestDrover;

  beforeAll(async () => {
    t = await buildSlackTestDrover();
  });

  afterAll(async () => {
    await t.close();
  });

  // A signed JSON `null` once crashed `drover serve`: Bolt read `ssl_check` off whatever JSON.parse returned.
  it.each([
    ['JSON null', 'null', 'application/json'],
    ['a JSON array', '[]', 'application/json'],
    ['a JSON number', '42', 'application/json'],
    ['broken JSON', '{"type":', 'application/json'],
    ['a form whose payload is null', 'payload=null', FORM],
    ['a form whose payload is not JSON', 'payload=%7B', FORM],
    ['an unknown content type', 'hello', 'text/plain'],
  ])('%s: 400, and a valid command still works afterwards', async (_name, body, contentType) => {
    const res = await t.send(body, contentType);
    expect(res.status).toBe(400);
    t.slack.clear();
    const ok = await t.send(command('help'), FORM);
    expect(ok.status).toBe(200);
    await t.slack.waitForCall('chat.postEphemeral');
  });
});

describe('Slack: the checks Slack makes of an app', () => {
  let t: SlackTestDrover;

  beforeAll(async () => {
    t = await buildSlackTestDrover();
  });

  afterAll(async () => {
    await t.close();
  });

  it('the SSL check (unsigned) gets an empty 200, and nothing it carries is acted on', async () => {
    t.slack.clear();
    const smuggled = new URLSearchParams({ ssl_check: '1', token: 'x', command: '/drover', text: 'run restart-deployment namespace=demo deployment=web', user_id: 'U0ALICE', channel_id: CHANNEL });
    const res = await fetch(`${t.base}/slack/events`, { method: 'POST', headers: { 'content-type': FORM }, body: smuggled.toString() });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    await settle();
    expect(t.slack.calls().filter((c) => c.method !== 'auth.test')).toEqual([]);
  });

  it('the URL verification gets its challenge back when signed, 401 when not', async () => {
    const body = JSON.stringify({ type: 'url_verification', token: 'x', challenge: 'c-123' });
    const signed = await t.send(body, 'application/json');
    expect(signed.status).toBe(200);
    expect(JSON.parse(signed.text)).toEqual({ challenge: 'c-123' });
    const unsigned = await fetch(`${t.base}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(unsigned.status).toBe(401);
  });
});
