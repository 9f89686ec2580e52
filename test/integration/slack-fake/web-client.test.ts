/**
 * The Slack fake through the real WebClient: each method's answer shape,
 * decoded arguments, and the message model after posts, updates and replies.
 */
import type { WebClient } from '@slack/web-api';
import { startSlackFake, type SlackFake } from '../../../src/testing/index.js';
import { clientFor, platformError } from './helpers.js';

let fake: SlackFake;
let client: WebClient;

beforeEach(async () => {
  fake = await startSlackFake({
    channels: [{ id: 'C0OPS', name: 'ops' }],
    users: [{ id: 'U0ALICE', name: 'alice', realName: 'Alice Doe', displayName: 'alice.d' }],
    userGroups: { S0ONCALL: ['U0ALICE', 'U0BOB'] },
  });
  client = clientFor(fake);
});

afterEach(async () => {
  await fake.stop();
});

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });


test('auth.test answers what Bolt reads at start-up', async () => {
  const res = await client.auth.test();
  expect(res).toMatchObject({
    ok: true,
    url: 'https://drover-test.slack.com/',
    team: 'Drover Test',
    user: 'drover',
    team_id: fake.identity.teamId,
    user_id: fake.identity.botUserId,
    bot_id: fake.identity.botId,
  });
  const [call] = fake.calls('auth.test');
  expect(call?.headers.authorization).toBe(`Bearer ${fake.botToken}`);
  expect(call?.headers['content-type']).toBe('application/x-www-form-urlencoded');
});

test('chat.postMessage: unique increasing ts, blocks recorded as objects, message echoed', async () => {
  const blocks = [section('*Scaling* `web` to 3')];
  const first = await client.chat.postMessage({ channel: 'C0OPS', text: 'Scaling web', blocks });
  const second = await client.chat.postMessage({ channel: '#ops', text: 'again' });

  expect(first.channel).toBe('C0OPS');
  expect(second.channel).toBe('C0OPS');
  expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
  expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
  expect(first.message).toMatchObject({ type: 'message', text: 'Scaling web', blocks, bot_id: fake.identity.botId, user: fake.identity.botUserId });
  expect(fake.calls('chat.postMessage')[0]?.args.blocks).toEqual(blocks);
  expect(fake.messages('C0OPS').map((m) => m.text)).toEqual(['Scaling web', 'again']);
});

test('chat.update changes the stored message; the final state is what the last update set', async () => {
  const posted = await client.chat.postMessage({ channel: 'C0OPS', text: 'queued', blocks: [section('queued')] });
  const ts = posted.ts!;
  await client.chat.update({ channel: 'C0OPS', ts, text: 'running', blocks: [section('running')] });
  const res = await client.chat.update({ channel: 'C0OPS', ts, text: 'done' });

  expect(res).toMatchObject({ ok: true, channel: 'C0OPS', ts, text: 'done' });
  expect(fake.message('C0OPS', ts)).toMatchObject({ text: 'done', blocks: [section('running')], edits: 2 });
  await client.chat.update({ channel: 'C0OPS', ts, text: 'done', blocks: [] });
  expect(fake.message('C0OPS', ts)?.blocks).toBeUndefined();

  const missing = await platformError(client.chat.update({ channel: 'C0OPS', ts: '1700000000.000100', text: 'x' }));
  expect(missing.data.error).toBe('message_not_found');
});

test('thread replies are kept in order under their parent', async () => {
  const parent = await client.chat.postMessage({ channel: 'C0OPS', text: 'run 42' });
  for (const text of ['step 1', 'step 2']) await client.chat.postMessage({ channel: 'C0OPS', text, thread_ts: parent.ts! });

  expect(fake.thread('C0OPS', parent.ts!).map((m) => m.text)).toEqual(['step 1', 'step 2']);
  expect(fake.messages('C0OPS').map((m) => m.text)).toEqual(['run 42']);
});

test('chat.postEphemeral answers message_ts and keeps who saw what', async () => {
  const res = await client.chat.postEphemeral({ channel: 'C0OPS', user: 'U0ALICE', text: 'Only you', blocks: [section('Only you')] });
  expect(res.message_ts).toMatch(/^\d{10}\.\d{6}$/);
  expect(fake.ephemerals('C0OPS')).toEqual([
    { channel: 'C0OPS', user: 'U0ALICE', messageTs: res.message_ts, text: 'Only you', blocks: [section('Only you')] },
  ]);
  expect(fake.messages('C0OPS')).toEqual([]);
});

test('views.open and views.update keep one view id; update with a stale hash conflicts', async () => {
  const view = { type: 'modal' as const, callback_id: 'drover_run', title: { type: 'plain_text' as const, text: 'Run' }, blocks: [section('pick')] };
  const opened = await client.views.open({ trigger_id: '1.2.abc', view });
  const id = opened.view!.id!;
  expect(id).toMatch(/^V[0-9A-Z]+$/);
  expect(opened.view).toMatchObject({ callback_id: 'drover_run', blocks: [section('pick')], root_view_id: id, state: { values: {} } });
  expect(fake.calls('views.open')[0]?.args.view).toEqual(view);

  const updated = await client.views.update({ view_id: id, hash: opened.view!.hash!, view: { ...view, blocks: [section('sure?')] } });
  expect(updated.view?.id).toBe(id);
  expect(fake.view(id)?.blocks).toEqual([section('sure?')]);

  const stale = await platformError(client.views.update({ view_id: id, hash: opened.view!.hash!, view }));
  expect(stale.data.error).toBe('hash_conflict');
  const pushed = await client.views.push({ trigger_id: '1.2.def', view });
  expect(pushed.view?.id).not.toBe(id);
});

test('directory look-ups: conversations.info, users.info, usergroups.users.list', async () => {
  const info = await client.conversations.info({ channel: 'C0OPS' });
  expect(info.channel).toMatchObject({ id: 'C0OPS', name: 'ops', is_member: true, is_private: false });
  const user = await client.users.info({ user: 'U0ALICE' });
  expect(user.user).toMatchObject({ id: 'U0ALICE', name: 'alice', real_name: 'Alice Doe', deleted: false, profile: { display_name: 'alice.d' } });
  const group = await client.usergroups.users.list({ usergroup: 'S0ONCALL' });
  expect(group.users).toEqual(['U0ALICE', 'U0BOB']);

  fake.setUserGroup('S0ONCALL', ['U0CAROL']);
  expect((await client.usergroups.users.list({ usergroup: 'S0ONCALL' })).users).toEqual(['U0CAROL']);
  expect((await platformError(client.usergroups.users.list({ usergroup: 'S0NOPE' }))).data.error).toBe('no_such_subteam');
});

test('JSON bodies with a bearer token are accepted as Slack accepts them', async () => {
  const res = await fetch(`${fake.url}chat.postMessage`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=utf-8', Authorization: `Bearer ${fake.botToken}` },
    body: JSON.stringify({ channel: 'C0OPS', text: 'json', blocks: [section('json')] }),
  });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ ok: true, channel: 'C0OPS' });
  expect(fake.calls('chat.postMessage')[0]?.args).toEqual({ channel: 'C0OPS', text: 'json', blocks: [section('json')] });
});

test('waitForCall resolves on a later call, and its timeout lists what was seen', async () => {
  const waiting = fake.waitForCall('chat.postMessage', (c) => c.args.text === 'second', 2000);
  await client.chat.postMessage({ channel: 'C0OPS', text: 'first' });
  await client.chat.postMessage({ channel: 'C0OPS', text: 'second' });
  expect((await waiting).args.channel).toBe('C0OPS');

  await expect(fake.waitForCall('views.open', undefined, 50)).rejects.toThrow(
    /no matching views\.open call within 50 ms; calls so far:\n {2}chat\.postMessage channel=C0OPS text="first" -> ok\n/,
  );
  fake.clear();
  expect(fake.calls()).toEqual([]);
});
