/**
 * slack-app-manifest.yaml: one endpoint for commands, interactivity and
 * events (Bolt's /slack/events), and no bot scope beyond what Drover uses.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Each scope and why Drover needs it. Adding one here is a reviewed decision, like in the manifest. */
const ALLOWED_BOT_SCOPES = {
  commands: '/drover',
  'chat:write': 'run messages, progress updates, approvals, ephemeral replies',
  'app_mentions:read': 'the app_mention event',
  'users:read': 'users.info for approvers',
  'usergroups:read': 'usergroups.users.list for group approvals',
} as const;

const Manifest = z.object({
  _metadata: z.object({ major_version: z.literal(2) }),
  display_information: z.object({ name: z.string(), description: z.string().max(140) }),
  features: z.object({
    bot_user: z.object({ display_name: z.string() }),
    slash_commands: z.array(
      z.object({ command: z.string(), url: z.string(), description: z.string(), usage_hint: z.string().max(1000), should_escape: z.boolean() }),
    ),
  }),
  oauth_config: z.object({ scopes: z.strictObject({ bot: z.array(z.string()) }) }),
  settings: z.object({
    event_subscriptions: z.object({ request_url: z.string(), bot_events: z.array(z.string()) }),
    interactivity: z.object({ is_enabled: z.boolean(), request_url: z.string() }),
    socket_mode_enabled: z.boolean(),
  }),
});

const manifest = Manifest.parse(parse(readFileSync(join(ROOT, 'slack-app-manifest.yaml'), 'utf8')));

test('it is a version 2 manifest for a bot called Drover', () => {
  expect(manifest.display_information.name).toBe('Drover');
  expect(manifest.features.bot_user.display_name).toBe('Drover');
  expect(manifest.settings.socket_mode_enabled).toBe(false);
});

test('the /drover command lists its subcommands and is not escaped', () => {
  expect(manifest.features.slash_commands).toHaveLength(1);
  const [drover] = manifest.features.slash_commands;
  expect(drover).toMatchObject({ command: '/drover', should_escape: false });
  for (const sub of ['run <runbook> key=value', 'list', 'describe', 'status', 'cancel', 'history', 'help']) {
    expect(drover?.usage_hint).toContain(sub);
  }
});

test('commands, interactivity and events all go to the same /slack/events URL', () => {
  const urls = [
    ...manifest.features.slash_commands.map((c) => c.url),
    manifest.settings.interactivity.request_url,
    manifest.settings.event_subscriptions.request_url,
  ];
  expect(manifest.settings.interactivity.is_enabled).toBe(true);
  expect(new Set(urls).size).toBe(1);
  const url = new URL(urls[0]!);
  expect(url.protocol).toBe('https:');
  expect(url.pathname).toBe('/slack/events');
  expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_mention']);
});

test('bot scopes are exactly the allow-list: nothing more, and nothing a feature needs is missing', () => {
  const scopes = manifest.oauth_config.scopes.bot;
  expect(scopes.filter((s) => !(s in ALLOWED_BOT_SCOPES))).toEqual([]);
  expect([...scopes].sort()).toEqual(Object.keys(ALLOWED_BOT_SCOPES).sort());
  expect(new Set(scopes).size).toBe(scopes.length);
});
