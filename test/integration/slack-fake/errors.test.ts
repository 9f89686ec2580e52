/**
 * Platform errors as WebClient surfaces them: validation, membership,
 * triggers, tokens, unknown methods and injected failures.
 */
import type { WebClient } from '@slack/web-api';
import { startSlackFake, type SlackFake } from '../../../src/testing/index.js';
import { clientFor, platformError } from './helpers.js';

let fake: SlackFake;
let client: WebClient;

beforeEach(async () => {
  fake = await startSlackFake({
    channels: [
      { id: 'C0OPS', name: 'ops' },
      { id: 'C0OUTSIDE', name: 'random', isMember: false },
      { id: 'G0SECRET', name: 'secret', isMember: false, isPrivate: true },
    ],
    expiredTriggerIds: ['1.1.expired'],
  });
  client = clientFor(fake);
});

afterEach(async () => {
  await fake.stop();
});


test('not_in_channel surfaces as a platform error with data.error; nothing is stored', async () => {
  const err = await platformError(client.chat.postMessage({ channel: 'C0OUTSIDE', text: 'hello' }));
  expect(err.data).toMatchObject({ ok: false, error: 'not_in_channel' });
  expect(err.message).toBe('An API error occurred: not_in_channel');
  expect(fake.messages('C0OUTSIDE')).toEqual([]);
  expect((await platformError(client.chat.postEphemeral({ channel: 'C0OUTSIDE', user: 'U0ALICE', text: 'x' }))).data.error).toBe('not_in_channel');

  fake.setChannel({ id: 'C0OUTSIDE', name: 'random' }); // invited
  await expect(client.chat.postMessage({ channel: 'C0OUTSIDE', text: 'hello' })).resolves.toMatchObject({ ok: true });
});

test('a private channel the bot is not in does not exist for it', async () => {
  expect((await platformError(client.chat.postMessage({ channel: 'G0SECRET', text: 'x' }))).data.error).toBe('channel_not_found');
  expect((await platformError(client.conversations.info({ channel: 'G0SECRET' }))).data.error).toBe('channel_not_found');
});

test('chat.postMessage validation: channel, text or blocks, block limits', async () => {
  expect((await platformError(client.apiCall('chat.postMessage', { text: 'no channel' }))).data.error).toBe('channel_not_found');
  expect((await platformError(client.apiCall('chat.postMessage', { channel: 'C0OPS' }))).data.error).toBe('no_text');
  expect((await platformError(client.apiCall('chat.postMessage', { channel: 'C0OPS', blocks: 'nope' }))).data.error).toBe('invalid_blocks_format');

  const tooMany = Array.from({ length: 51 }, (_, i) => ({ type: 'section', text: { type: 'mrkdwn', text: `step ${i}` } }));
  const err = await platformError(client.chat.postMessage({ channel: 'C0OPS', text: 'x', blocks: tooMany }));
  expect(err.data).toMatchObject({ error: 'invalid_blocks', errors: ['must be less than 51 items [json-pointer:/blocks]'] });
  const long = [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }];
  expect((await platformError(client.chat.postMessage({ channel: 'C0OPS', text: 'x', blocks: long }))).data.error).toBe('invalid_blocks');
  expect(fake.messages('C0OPS')).toEqual([]);
});

test('views.open needs a fresh trigger_id', async () => {
  const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'Run' }, blocks: [] };
  const missing = await platformError(client.apiCall('views.open', { view }));
  expect(missing.data).toMatchObject({ error: 'invalid_arguments', response_metadata: { messages: ['[ERROR] missing required field: trigger_id'] } });
  expect((await platformError(client.views.open({ trigger_id: '1.1.expired', view }))).data.error).toBe('expired_trigger_id');
  fake.expireTrigger('1.1.later');
  expect((await platformError(client.views.open({ trigger_id: '1.1.later', view }))).data.error).toBe('expired_trigger_id');
  await expect(client.views.open({ trigger_id: '1.1.fresh', view })).resolves.toMatchObject({ ok: true });
});

test('tokens: a wrong one is invalid_auth, none is not_authed', async () => {
  const wrong = clientFor(fake, {}, 'xoxb-wrong');
  expect((await platformError(wrong.auth.test())).data.error).toBe('invalid_auth');
  const none = clientFor(fake, {}, null);
  expect((await platformError(none.auth.test())).data.error).toBe('not_authed');
  // Bolt passes the token per call as an argument: it then travels in the header and the form.
  await expect(none.auth.test({ token: fake.botToken })).resolves.toMatchObject({ ok: true });
  expect(fake.calls('auth.test').map((c) => c.response.error ?? 'ok')).toEqual(['invalid_auth', 'not_authed', 'ok']);
});

test('an unknown method is unknown_method', async () => {
  const err = await platformError(client.apiCall('chat.postMessagee', { channel: 'C0OPS', text: 'x' }));
  expect(err.data).toMatchObject({ ok: false, error: 'unknown_method' });
});

test('failNext answers the given error the given number of times, then the method works again', async () => {
  fake.failNext('chat.update', 'cant_update_message', 2);
  const posted = await client.chat.postMessage({ channel: 'C0OPS', text: 'a' });
  for (let i = 0; i < 2; i++) {
    expect((await platformError(client.chat.update({ channel: 'C0OPS', ts: posted.ts!, text: 'b' }))).data.error).toBe('cant_update_message');
  }
  await client.chat.update({ channel: 'C0OPS', ts: posted.ts!, text: 'b' });
  expect(fake.message('C0OPS', posted.ts!)?.text).toBe('b');

  fake.failNext('*', 'fatal_error');
  expect((await platformError(client.auth.test())).data.error).toBe('fatal_error');
  fake.failNext('auth.test', 'account_inactive');
  fake.clearFaults();
  await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
});

test('strict mode: only configured channels and users exist', async () => {
  const strict = await startSlackFake({ strict: true, channels: [{ id: 'C0OPS', name: 'ops' }] });
  try {
    const c = clientFor(strict);
    expect((await platformError(c.chat.postMessage({ channel: 'C0OTHER', text: 'x' }))).data.error).toBe('channel_not_found');
    expect((await platformError(c.users.info({ user: 'U0ALICE' }))).data.error).toBe('user_not_found');
    await expect(c.chat.postMessage({ channel: 'C0OPS', text: 'x' })).resolves.toMatchObject({ ok: true });
  } finally {
    await strict.stop();
  }
});

test('response URLs record what is posted, and can be made to fail', async () => {
  const url = fake.responseUrl('cmd-1');
  const post = (text: string) => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text }) });
  expect((await post('first')).status).toBe(200);
  fake.failNext('response_url', 'expired_url');
  const failed = await post('second');
  expect(failed.status).toBe(404);
  expect(await failed.json()).toEqual({ ok: false, error: 'expired_url' });
  expect(fake.calls('response_url').map((c) => [c.path, c.args.text, c.status])).toEqual([
    ['/response/cmd-1', 'first', 200],
    ['/response/cmd-1', 'second', 404],
  ]);
});
