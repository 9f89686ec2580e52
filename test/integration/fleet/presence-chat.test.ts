/**
 * `/drover clusters` through ChatCommands (what Slack and the terminal chat
 * both call), on a whole Drover with agent clusters registered in its Redis.
 */
import { ChannelPolicy } from '../../../src/chat/channel-policy.js';
import { ChatCommands, type ChatOutcome } from '../../../src/chat/chat-commands.js';
import { blocksToText } from '../../../src/chat/blocks/index.js';
import { AgentHeartbeat, FleetPresence } from '../../../src/fleet/agent-presence.js';
import { FleetRegistry } from '../../../src/fleet/registry.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { slackProblems } from '../../unit/chat-blocks/support/slack-limits.js';

const alice = { requester: { kind: 'slack' as const, id: 'U0ALICE', name: 'alice' }, channel: 'C0OPS' };

function replyText(outcome: ChatOutcome): string {
  if (outcome.kind !== 'reply') throw new Error(`expected a reply, got ${outcome.kind}`);
  expect(outcome.visibility).toBe('private');
  expect(slackProblems(outcome.message)).toEqual([]);
  return blocksToText(outcome.message);
}

describe('/drover clusters', () => {
  let t: TestDrover;
  let heartbeat: AgentHeartbeat | undefined;

  beforeAll(async () => {
    t = await buildTestDrover();
    await t.drover.startWorker();
  });

  afterAll(async () => {
    await heartbeat?.stop();
    await t.close();
  });

  function commands(listFleet?: () => Promise<Awaited<ReturnType<FleetPresence['status']>>>): ChatCommands {
    const d = t.drover;
    return new ChatCommands({
      drover: { queue: d.queue, gate: d.gate, store: d.store, runbooks: d.runbooks, listClusters: d.listClusters },
      channels: new ChannelPolicy({}),
      command: '/drover',
      audit: d.audit,
      ...(listFleet ? { listFleet } : {}),
    });
  }

  it('answers with the counts, the clusters without a live agent first, and the worker clusters; the command is audited', async () => {
    const registry = new FleetRegistry(t.redis, t.prefix, 0);
    const presence = new FleetPresence(t.redis, t.prefix, registry, 30_000);
    for (let i = 0; i < 40; i++) await registry.register({ name: `store-${i}`, labels: { tier: 'store' }, createdAt: '', user: '' });
    heartbeat = new AgentHeartbeat(t.redis, t.prefix, 'store-3', () => ({ id: 'agent-x', cluster: 'store-3', version: '1.2.0', host: 'node-3', pid: 1, capacity: 4, inFlight: 2, kubernetesVersion: 'v1.29.3', runbooks: 9, startedAt: '' }));
    await heartbeat.start();

    const text = replyText(await commands(() => presence.status()).handle('clusters', alice));
    expect(text).toContain('40 agent clusters: 1 up, 0 absent, 39 never seen');
    expect(text).toContain('Served by central workers: test (default)');
    const lines = text.split('\n').filter((l) => /store-\d+/.test(l));
    expect(lines).toHaveLength(25);
    expect(lines.every((l) => l.includes('never-seen'))).toBe(true);
    expect(lines.slice(0, 4).map((l) => /store-\d+/.exec(l)?.[0])).toEqual(['store-0', 'store-1', 'store-2', 'store-4']);
    expect(text).toContain('and 15 more; `drover clusters` lists all.');
    expect((await t.drover.audit.read()).some((e) => e.type === 'command.received' && e.verb === 'clusters')).toBe(true);

    // The live one is listed once the others fit.
    await Promise.all(Array.from({ length: 39 }, (_, i) => (i >= 3 ? registry.remove(`store-${i + 1}`) : Promise.resolve(false))));
    const short = replyText(await commands(() => presence.status()).handle('clusters', alice));
    expect(short).toMatch(/store-3 up · 1 agent \(v1\.2\.0\) · 2\/4 runs in flight · k8s v1\.29\.3 · last seen \ds ago · tier=store/);
  });

  it('in a process without the fleet it lists the cluster names it knows and says agent clusters are not available', async () => {
    const text = replyText(await commands().handle('clusters', alice));
    expect(text).toContain('Agent clusters: not available here');
    expect(text).toMatch(/Served by central workers: .*test \(default\)/);
  });

  it('help lists it', async () => {
    expect(replyText(await commands().handle('help', alice))).toContain('/drover clusters');
  });
});
