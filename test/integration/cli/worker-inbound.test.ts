/**
 * `drover worker` holds the Kubernetes credentials, so it takes no inbound
 * traffic but its health and metrics: no Slack route, no Slack Socket Mode,
 * no Alertmanager webhook. `drover serve --no-worker` takes both. Real
 * processes, each on its own port, with Slack's Web API faked.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSlackFake, type SlackFake } from '../../../src/testing/index.js';
import { spawnDrover, stopProcess } from '../../support/cli-process.js';
import { freePort } from '../../support/free-port.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';

const TOKEN = 'webhook-token-0123456789abcdef';
let t: TestDrover;
let slack: SlackFake;
let dir: string;
const children: ChildProcess[] = [];
const bases: { worker?: string; server?: string } = {};

async function start(args: string[], env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const child = spawnDrover(args, { ...env, PORT: String(port) });
  children.push(child);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok, `${args.join(' ')} to be ready`, 30_000);
  return base;
}

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } }).then((r) => r.status);

beforeAll(async () => {
  t = await buildTestDrover();
  slack = await startSlackFake({ botToken: 'xoxb-inbound-test' });
  dir = mkdtempSync(join(tmpdir(), 'drover-inbound-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, t.fake.kubeConfigYaml({ contextName: 'test' }));
  const env = {
    DROVER_REDIS_PREFIX: t.prefix,
    KUBECONFIG: kubeconfig,
    DROVER_SANDBOX: 'off',
    LOG_LEVEL: 'warn',
    ALERTMANAGER_WEBHOOK_TOKEN: TOKEN,
    SLACK_BOT_TOKEN: 'xoxb-inbound-test',
    SLACK_SIGNING_SECRET: 'inbound-signing-secret-0123456789',
    SLACK_API_URL: slack.url,
    DROVER_AUDIT_VERIFY_INTERVAL: '0',
  };
  bases.worker = await start(['worker'], env);
  bases.server = await start(['serve', '--no-worker'], env);
}, 90_000);

afterAll(async () => {
  for (const child of children) await stopProcess(child, 'SIGTERM', 10_000);
  await slack?.stop();
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 40_000);

it('the worker answers neither the Alertmanager webhook nor Slack (404), whatever the credentials', async () => {
  expect(await post(`${bases.worker}/webhooks/alertmanager`, '{}', { authorization: `Bearer ${TOKEN}` })).toBe(404);
  expect(await post(`${bases.worker}/slack/events`, 'token=x', { 'content-type': 'application/x-www-form-urlencoded' })).toBe(404);
  expect((await fetch(`${bases.worker}/metrics`)).status).toBe(200);
  expect((await fetch(`${bases.worker}/healthz`)).status).toBe(200);
}, 30_000);

it('the server takes both: an unauthenticated webhook is 401, an unsigned Slack request is refused', async () => {
  expect(await post(`${bases.server}/webhooks/alertmanager`, '{}')).toBe(401);
  const slackStatus = await post(`${bases.server}/slack/events`, 'token=x', { 'content-type': 'application/x-www-form-urlencoded' });
  expect(slackStatus).not.toBe(404);
  expect(slackStatus).toBeGreaterThanOrEqual(400);
}, 30_000);
