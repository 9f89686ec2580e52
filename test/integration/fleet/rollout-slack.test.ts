/**
 * `/drover rollout` in Slack, through Bolt's real HTTP receiver (signed
 * requests) and a fake Slack Web API: one message with the plan and
 * Approve/Reject bound to the plan, the requester's click refused, another
 * person's click starting it, then that message updated per cluster and a
 * thread reply per batch, failure and the end. Agents run in-process.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { blockActionBody, postSigned, slashCommandBody, startSlackFake, startK8sFake, type K8sFake, type SlackFake } from '../../../src/testing/index.js';
import { createSlackApp, type SlackApp } from '../../../src/slack/slack-app.js';
import { ChatCommands } from '../../../src/chat/chat-commands.js';
import { ChannelPolicy } from '../../../src/chat/channel-policy.js';
import { createAgent, type Agent } from '../../../src/fleet/agent.js';
import { createK8sOps } from '../../../src/k8s/ops.js';
import { createRollouts } from '../../../src/fleet/rollout/create-rollouts.js';
import { RolloutChat } from '../../../src/fleet/rollout/rollout-chat.js';
import { RolloutController } from '../../../src/fleet/rollout/rollout-controller.js';
import { ROLLOUT_ACTIONS } from '../../../src/fleet/rollout/rollout-blocks.js';
import { rolloutSlack } from '../../../src/fleet/rollout/rollout-slack.js';
import { RolloutStore } from '../../../src/fleet/rollout/rollout-store.js';
import { defineRunbook, secret, z, RunbookRefusal } from '../../../src/sdk/index.js';
import type { Runbook } from '../../../src/runbook/types.js';
import { redisClient } from '../../support/redis.js';
import { allowAll, buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';
import type { Redis } from 'ioredis';

const SECRET = 'rollout-signing-secret-0123456789';
const FORM = 'application/x-www-form-urlencoded';
const CHANNEL = 'C0FLEET';
const ADA = 'U0ADA';
const BOB = 'U0BOB';
const CLUSTERS = ['shop-1', 'shop-2', 'shop-3'];

const runbooks = [
  defineRunbook({ id: 'fleet-touch', summary: 'Touches a cluster', params: z.object({ launchCode: secret(z.string()).optional() }), run: () => Promise.resolve() }),
  defineRunbook({
    id: 'fleet-guarded',
    summary: 'Touches a cluster, with approval',
    params: z.object({ failOn: z.string().default('') }),
    approval: { required: 'always', approvers: 1 },
    async run(ctx, p) {
      await ctx.step('touch', () => (p.failOn === ctx.cluster ? Promise.reject(new RunbookRefusal(`${ctx.cluster} says no`)) : Promise.resolve()));
    },
  }),
] as Runbook[];

let t: TestDrover;
let fake: K8sFake;
let slackFake: SlackFake;
let slack: SlackApp;
let server: Server;
let base: string;
let controller: RolloutController;
const agents: Agent[] = [];
const connections: Redis[] = [];

const send = (body: string, type: string) => postSigned(`${base}/slack/events`, SECRET, body, { contentType: type });
const textOf = (args: Record<string, unknown>): string => JSON.stringify([args.text, args.blocks]);

beforeAll(async () => {
  fake = await startK8sFake();
  slackFake = await startSlackFake({ botToken: 'xoxb-rollout' });
  t = await buildTestDrover({ runbooks, fake });
  for (const name of CLUSTERS) await t.drover.fleet.registry.register({ name, labels: { tier: 'shop' }, createdAt: new Date().toISOString(), user: 'test' });
  t.drover.startHousekeeping();
  for (const cluster of CLUSTERS) {
    const redis = redisClient();
    connections.push(redis);
    const agent = createAgent({
      config: t.config,
      redis,
      cluster,
      runbooks: t.drover.runbooks,
      k8s: ({ dryRun, hooks }) => createK8sOps({ cluster, kubeConfig: fake.kubeConfig(), dryRun, hooks, requestTimeoutMs: 5000 }),
      logger: pino({ level: 'silent' }),
      policy: allowAll(),
      heartbeatMs: 500,
    });
    await agent.start();
    agents.push(agent);
  }
  const logger = pino({ level: 'silent' });
  const rollouts = createRollouts(t.drover, t.redis);
  // What app.ts wires: the chat handler, the Slack app told where each rollout's message is, the controller updating it.
  const slot: { updates?: ReturnType<typeof rolloutSlack> } = {};
  const chat = new ChatCommands({
    drover: { queue: t.drover.queue, gate: t.drover.gate, approvals: t.drover.approvals, store: t.drover.store, runbooks: t.drover.runbooks, listClusters: t.drover.listClusters },
    channels: new ChannelPolicy({}),
    command: '/drover',
    audit: t.drover.audit,
    rollouts: new RolloutChat({ rollouts, command: '/drover', onChange: (r, news) => slot.updates?.progress(r, news) ?? Promise.resolve() }),
  });
  slack = createSlackApp({
    settings: { mode: 'http', botToken: 'xoxb-rollout', signingSecret: SECRET, apiUrl: slackFake.url, command: '/drover', minIntervalMs: 50 },
    commands: chat,
    store: t.drover.store,
    redis: t.redis,
    prefix: t.prefix,
    logger,
    redactor: t.drover.redactor,
    listClusters: t.drover.listClusters,
    onRolloutPosted: (id, channel, ts) => (slot.updates as ReturnType<typeof rolloutSlack>).posted(id, channel, ts),
  });
  slot.updates = rolloutSlack({ out: slack.out, redactor: t.drover.redactor, store: new RolloutStore(t.redis, t.prefix), logger });
  await slack.start();
  controller = new RolloutController({ rollouts, logger, intervalMs: 100, onProgress: (r, news) => slot.updates?.progress(r, news) });
  controller.start();
  server = createServer((req, res) => {
    if (slack.requestListener) void slack.requestListener(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 30_000);

afterAll(async () => {
  await controller?.close();
  await new Promise((r) => server?.close(r));
  await slack?.stop();
  for (const agent of agents) await agent.close(true).catch(() => undefined);
  for (const redis of connections) await redis.quit().catch(() => undefined);
  await t?.close();
  await fake?.stop();
  await slackFake?.stop();
}, 30_000);

function findValue(blocks: unknown[], actionId: string): string | undefined {
  for (const block of blocks as Array<{ elements?: Array<{ action_id?: string; value?: string }> }>) {
    const found = block.elements?.find((e) => e.action_id === actionId);
    if (found?.value) return found.value;
  }
  return undefined;
}

it('posts one message with the plan and buttons bound to it; the requester cannot approve, another person starts it; progress follows in that message and its thread', async () => {
  const typed = slashCommandBody({ text: 'rollout fleet-guarded --clusters tier=shop --max-failures 2 --no-pause-on-failure failOn=shop-2', userId: ADA, userName: 'ada', channelId: CHANNEL, triggerId: 'trig-1' });
  expect((await send(typed, FORM)).status).toBe(200);
  const posted = await slackFake.waitForCall('chat.postMessage', (c) => c.args.thread_ts === undefined && textOf(c.args).includes('fleet-guarded'));
  const ts = posted.response?.ts as string;
  expect(textOf(posted.args)).toMatch(/on 3 clusters matching tier=shop: 3 batches of 1 \(first: shop-1\), no pause on failure, stop after 2 failures/);
  expect(textOf(posted.args)).toMatch(/Awaiting 1 approval/);
  const value = findValue(posted.args.blocks as unknown[], ROLLOUT_ACTIONS.approve) as string;
  expect(JSON.parse(value)).toMatchObject({ rollout: expect.stringMatching(/^o/) as unknown, hash: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown });
  const id = (JSON.parse(value) as { rollout: string }).rollout;
  const click = (user: string) => blockActionBody({ actionId: ROLLOUT_ACTIONS.approve, value, userId: user, channelId: CHANNEL, messageTs: ts, message: { text: 'x', blocks: posted.args.blocks as unknown[] } });

  expect((await send(click(ADA), FORM)).status).toBe(200);
  await slackFake.waitForCall('chat.postEphemeral', (c) => c.args.user === ADA && textOf(c.args).includes('You asked for this rollout; someone else must approve it.'));
  expect((await t.redis.hget(`${t.prefix}:rollout:${id}`, 'state'))).toBe('awaiting_approval');

  expect((await send(click(BOB), FORM)).status).toBe(200);
  await slackFake.waitForCall('chat.postEphemeral', (c) => c.args.user === BOB && textOf(c.args).includes(`Approved (1/1): rollout ${id} starts.`));
  // The end: the message says so, with the failure, and the thread tells each batch, the failure and the end.
  const done = await waitFor(() => {
    const m = slackFake.message(CHANNEL, ts);
    return m && JSON.stringify(m.blocks ?? []).includes('failed: ✓ 2 succeeded, ✗ 1 failed') ? m : undefined;
  }, 'the message to show the end', 20_000);
  expect(JSON.stringify(done.blocks)).toContain('✗ shop-2 (run shop-2.');
  expect(JSON.stringify(done.blocks)).not.toContain(ROLLOUT_ACTIONS.abort);
  const replies = await waitFor(() => {
    const all = slackFake.calls().filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts === ts).map((c) => String(c.args.text));
    return all.some((r) => r.startsWith('Rollout failed')) ? all : undefined;
  }, 'the thread replies', 20_000);
  expect(replies.filter((r) => r.startsWith('Batch '))).toEqual(['Batch 1 of 3 started: shop-1.', 'Batch 2 of 3 started: shop-2.', 'Batch 3 of 3 started: shop-3.']);
  expect(replies.some((r) => r.startsWith('✗ shop-2') && r.includes('shop-2 says no'))).toBe(true);
  expect(replies[replies.length - 1]).toBe('Rollout failed: 1 of 3 cluster(s) failed.');
}, 40_000);

it('without approval needed, shows the plan privately and starts only with --yes', async () => {
  const preview = slashCommandBody({ text: 'rollout fleet-touch --clusters tier=shop launchCode=zebra-42', userId: ADA, userName: 'ada', channelId: CHANNEL, triggerId: 'trig-2' });
  slackFake.clear();
  expect((await send(preview, FORM)).status).toBe(200);
  const answer = await slackFake.waitForCall('chat.postEphemeral', (c) => c.args.user === ADA);
  expect(textOf(answer.args)).toContain('Nothing started: to start it, repeat the command with --yes.');
  expect(textOf(answer.args)).not.toContain('zebra-42');
  expect(await t.redis.zcard(`${t.prefix}:rollouts`)).toBe(1);
  // The command as audited masks the runbook's secret param, as a run's does.
  const received = (await t.drover.audit.read()).filter((e) => e.type === 'command.received' && e.verb === 'rollout');
  expect(JSON.stringify(received)).toContain('launchCode=');
  expect(JSON.stringify(await t.drover.audit.read())).not.toContain('zebra-42');
  const bad = slashCommandBody({ text: 'rollout fleet-touch --clusters tier=shop --batch x', userId: ADA, userName: 'ada', channelId: CHANNEL, triggerId: 'trig-3' });
  slackFake.clear();
  await send(bad, FORM);
  expect(textOf((await slackFake.waitForCall('chat.postEphemeral')).args)).toContain('--batch needs a whole number');
}, 30_000);
