/**
 * The fake started with the manifest's bot scopes: every method Drover uses
 * works, and anything needing a scope the manifest leaves out answers
 * missing_scope, as production Slack would.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebClient } from '@slack/web-api';
import { parse } from 'yaml';
import { startSlackFake, type SlackFake } from '../../../src/testing/index.js';
import { clientFor, platformError } from './helpers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function manifestBotScopes(): string[] {
  const manifest = parse(readFileSync(join(ROOT, 'slack-app-manifest.yaml'), 'utf8')) as { oauth_config: { scopes: { bot: string[] } } };
  return manifest.oauth_config.scopes.bot;
}

let fake: SlackFake;
let client: WebClient;

beforeEach(async () => {
  fake = await startSlackFake({
    scopes: manifestBotScopes(),
    channels: [
      { id: 'C0OPS', name: 'ops' },
      { id: 'C0OUTSIDE', name: 'random', isMember: false },
    ],
    userGroups: { S0ONCALL: ['U0ALICE'] },
  });
  client = clientFor(fake);
});

afterEach(async () => {
  await fake.stop();
});

test('the methods Drover calls are all covered by the manifest', async () => {
  const posted = await client.chat.postMessage({ channel: 'C0OPS', text: 'run' });
  await client.chat.update({ channel: 'C0OPS', ts: posted.ts!, text: 'done' });
  await client.chat.postEphemeral({ channel: 'C0OPS', user: 'U0ALICE', text: 'only you' });
  await client.views.open({ trigger_id: '1.2.3', view: { type: 'modal', title: { type: 'plain_text', text: 'Run' }, blocks: [] } });
  await client.users.info({ user: 'U0ALICE' });
  await client.usergroups.users.list({ usergroup: 'S0ONCALL' });
  expect(fake.calls().filter((c) => c.response.ok !== true)).toEqual([]);
});

test('without chat:write.public, a public channel the bot was not invited to is not_in_channel', async () => {
  expect((await platformError(client.chat.postMessage({ channel: 'C0OUTSIDE', text: 'x' }))).data.error).toBe('not_in_channel');
});

test('conversations.info is not granted: it needs channels:read, which the manifest leaves out', async () => {
  const err = await platformError(client.conversations.info({ channel: 'C0OPS' }));
  expect(err.data).toMatchObject({ error: 'missing_scope', needed: 'channels:read', provided: manifestBotScopes().join(',') });
});

test('granting chat:write.public lets the bot post in public channels it is not in', async () => {
  const wider = await startSlackFake({ scopes: [...manifestBotScopes(), 'chat:write.public'], channels: [{ id: 'C0OUTSIDE', name: 'random', isMember: false }] });
  try {
    await expect(clientFor(wider).chat.postMessage({ channel: 'C0OUTSIDE', text: 'x' })).resolves.toMatchObject({ ok: true });
  } finally {
    await wider.stop();
  }
});
