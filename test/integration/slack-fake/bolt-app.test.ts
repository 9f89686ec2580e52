/**
 * A real Bolt App (HTTP receiver, signature verification on) talking to the
 * Slack fake, driven by the signed request builders: what Bolt parses from
 * each body, and what it sends back to Slack.
 */
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import {
  appMentionEvent,
  blockActionBody,
  eventCallbackBody,
  postSigned,
  slashCommandBody,
  startSlackFake,
  urlVerificationBody,
  viewSubmissionBody,
  type SlackFake,
} from '../../../src/testing/index.js';
import { clientFor, platformError, silentLogger } from './helpers.js';

const SECRET = 'test-signing-secret';

let fake: SlackFake;
let app: App;
let url: string;
const seen: Record<string, unknown>[] = [];

beforeEach(async () => {
  seen.length = 0;
  fake = await startSlackFake({ channels: [{ id: 'C0OPS', name: 'ops' }] });
  const receiver = new HTTPReceiver({ signingSecret: SECRET, logger: silentLogger });
  app = new App({ token: fake.botToken, receiver, clientOptions: { slackApiUrl: fake.url }, logger: silentLogger, logLevel: LogLevel.ERROR });
  app.command('/drover', async ({ ack, command, respond }) => {
    await ack();
    seen.push({ ...command });
    await respond({ response_type: 'ephemeral', text: `runbooks for ${command.user_name}` });
  });
  app.action('drover_cancel', async ({ ack, body, action, client }) => {
    await ack();
    seen.push({ action });
    if (body.type === 'block_actions' && body.channel && body.message) {
      await client.chat.update({ channel: body.channel.id, ts: body.message.ts, text: 'Cancelled' });
    }
  });
  app.view('drover_run', async ({ ack, view }) => {
    seen.push({ values: view.state.values, metadata: view.private_metadata });
    await ack({ response_action: 'errors', errors: { 'param:replicas': 'Must be at most 10' } });
  });
  app.event('app_mention', async ({ event, say }) => {
    await say({ text: `hi <@${event.user}>`, thread_ts: event.ts });
  });
  const server = await app.start(0);
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
});

afterEach(async () => {
  await app.stop();
  await fake.stop();
});

test('Bolt checks its token with auth.test on the fake', async () => {
  const call = await fake.waitForCall('auth.test');
  expect(call.headers.authorization).toBe(`Bearer ${fake.botToken}`);
});

test('a slash command is acknowledged quickly and respond() reaches the response URL', async () => {
  const body = slashCommandBody({ text: 'run scale-web replicas=3', userId: 'U0ALICE', userName: 'alice', channelId: 'C0OPS', responseUrl: fake.responseUrl('cmd') });
  const res = await postSigned(url, SECRET, body);

  expect(res.status).toBe(200);
  expect(res.ms).toBeLessThan(3000);
  const responded = await fake.waitForCall('response_url');
  expect(responded.path).toBe('/response/cmd');
  expect(responded.args).toEqual({ response_type: 'ephemeral', text: 'runbooks for alice' });
  expect(seen[0]).toMatchObject({ command: '/drover', text: 'run scale-web replicas=3', user_id: 'U0ALICE', channel_id: 'C0OPS', team_id: fake.identity.teamId });
});

test('a button click carries the message, and the handler updates it', async () => {
  const blocks = [{ type: 'actions', block_id: 'run:42', elements: [{ type: 'button', action_id: 'drover_cancel', text: { type: 'plain_text', text: 'Cancel' }, value: '42', style: 'danger' }] }];
  const posted = await clientFor(fake).chat.postMessage({ channel: 'C0OPS', text: 'Running', blocks });
  const message = fake.message('C0OPS', posted.ts!)!;

  const res = await postSigned(url, SECRET, blockActionBody({ actionId: 'drover_cancel', value: '42', userId: 'U0ALICE', channelId: 'C0OPS', messageTs: message.ts, message }));

  expect(res.status).toBe(200);
  await fake.waitForCall('chat.update');
  expect(fake.message('C0OPS', message.ts)).toMatchObject({ text: 'Cancelled', edits: 1 });
  expect(seen[0]).toMatchObject({ action: { action_id: 'drover_cancel', block_id: 'run:42', value: '42', type: 'button', style: 'danger' } });
});

test('a modal submission hands Bolt the state values; the ack body is the HTTP response', async () => {
  const values = {
    'param:replicas': { value: { type: 'number_input', value: '30' } },
    drover_cluster: { value: { type: 'static_select', selected_option: { text: { type: 'plain_text' as const, text: 'prod' }, value: 'prod' } } },
  };
  const body = viewSubmissionBody({ callbackId: 'drover_run', privateMetadata: '{"runbook":"scale-web"}', values, userId: 'U0ALICE' });
  const res = await postSigned(url, SECRET, body);

  expect(res.status).toBe(200);
  expect(JSON.parse(res.text)).toEqual({ response_action: 'errors', errors: { 'param:replicas': 'Must be at most 10' } });
  expect(seen[0]).toEqual({ values, metadata: '{"runbook":"scale-web"}' });
});

test('an app_mention event is answered in its thread', async () => {
  const event = appMentionEvent({ text: `<@${fake.identity.botUserId}> status`, user: 'U0ALICE', channel: 'C0OPS' });
  const res = await postSigned(url, SECRET, eventCallbackBody({ eventId: 'Ev0TEST1', event }));

  expect(res.status).toBe(200);
  await fake.waitForCall('chat.postMessage');
  expect(fake.thread('C0OPS', event.ts as string).map((m) => m.text)).toEqual(['hi <@U0ALICE>']);
});

test('the url_verification challenge is echoed', async () => {
  const res = await postSigned(url, SECRET, urlVerificationBody('c-123'));
  expect(res.status).toBe(200);
  expect(JSON.parse(res.text)).toEqual({ challenge: 'c-123' });
});

test('a wrong secret or a stale timestamp is refused with 401 and reaches no handler', async () => {
  const body = slashCommandBody({ text: 'list', userId: 'U0ALICE', userName: 'alice', channelId: 'C0OPS' });
  expect((await postSigned(url, 'not-the-secret', body)).status).toBe(401);
  const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
  expect((await postSigned(url, SECRET, body, { timestampSeconds: sixMinutesAgo })).status).toBe(401);
  expect(seen).toEqual([]);
});

test('with deferInitialization, a wrong token fails app.init() with invalid_auth', async () => {
  const deferred = new App({
    token: 'xoxb-revoked',
    signingSecret: SECRET,
    deferInitialization: true,
    clientOptions: { slackApiUrl: fake.url },
    logger: silentLogger,
  });
  const err = await platformError(deferred.init());
  expect(err.data.error).toBe('invalid_auth');
});
