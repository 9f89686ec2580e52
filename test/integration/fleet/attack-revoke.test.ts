/**
 * The operator revokes an agent cluster's token while it has runs in flight:
 * queued, being planned for approval, running on the agent (cut off
 * mid-run). Unregistered, nothing looked at its queue any more (the
 * absent-agent sweep reads registered clusters, no worker watches its queue
 * for stalled jobs): its runs stayed queued or running for ever, silently.
 * `drover agent token revoke` now fails them, saying why, and empties the queue.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createAgentUser } from '../../../src/fleet/acl.js';
import { AgentHeartbeat } from '../../../src/fleet/agent-presence.js';
import { RunStore } from '../../../src/jobs/run-store.js';
import { drover } from '../../support/cli.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/redis-server.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';

const CLUSTER = 'store-gone';
// A keyed chain: the CLI's run.finished events must be keyed as the serving processes' are, or verification breaks.
const AUDIT_KEY = 'revoke-test-audit-key-0123456789abcdef';
const cli = { kind: 'cli' as const, id: 'cli:alice', name: 'alice' };

let server: PrivateRedis;
let t: TestDrover;
let agentRedis: Redis;
let beat: AgentHeartbeat;
let worker: Worker | undefined;

beforeAll(async () => {
  server = await startPrivateRedis();
  t = await buildTestDrover({
    redisUrl: server.url,
    configure: (c) => {
      c.audit.key = AUDIT_KEY;
    },
  });
  const made = await createAgentUser(t.redis, { prefix: t.prefix, cluster: CLUSTER });
  await t.drover.fleet.registry.register({ name: CLUSTER, labels: {}, createdAt: new Date().toISOString(), user: made.user });
  agentRedis = new Redis(server.url, { username: made.user, password: made.password, maxRetriesPerRequest: null });
  agentRedis.on('error', () => undefined);
  beat = new AgentHeartbeat(agentRedis, t.prefix, CLUSTER, () => ({ id: 'a1', cluster: CLUSTER, version: '1', host: 'h', pid: 1, capacity: 1, inFlight: 0, runbooks: 1, startedAt: new Date().toISOString() }), 1000);
  await beat.start();
}, 30_000);

afterAll(async () => {
  await worker?.close(true).catch(() => undefined);
  await beat?.stop();
  agentRedis?.disconnect();
  await t?.close();
  await server?.stop();
}, 30_000);

function revoke(cluster: string): Promise<{ code: number; out: string }> {
  return drover(undefined, ['agent', 'token', 'revoke', cluster], { REDIS_URL: server.url, DROVER_REDIS_PREFIX: t.prefix, DROVER_AUDIT_KEY: AUDIT_KEY }).then((r) => ({ code: r.code, out: `${r.out}\n${r.err}` }));
}

it('revoking a cluster with runs queued, being planned and running fails each of them with the reason, and empties its queue', async () => {
  // The agent (its ACL user) takes one run and is mid-run when it is cut off.
  const agentStore = new RunStore({ redis: agentRedis, prefix: t.prefix });
  let taken = '';
  worker = new Worker(
    `cluster.${CLUSTER}`,
    async (job) => {
      taken = String((job.data as { runId: string }).runId);
      await agentStore.start(taken, ['queued'], { startedAt: new Date().toISOString() });
      await new Promise((resolve) => setTimeout(resolve, 60_000).unref());
    },
    { connection: agentRedis, prefix: `${t.prefix}:q`, concurrency: 1 },
  );
  worker.on('error', () => undefined);
  const running = await t.drover.queue.submit({ runbook: 'restart-deployment', cluster: CLUSTER, params: { namespace: 'demo', deployment: 'web' }, requester: cli });
  await waitFor(async () => (await t.drover.store.get(running.id))?.state === 'running', 'the agent to start it');
  await worker.pause(true).catch(() => undefined);
  const queued = await t.drover.queue.submit({ runbook: 'restart-deployment', cluster: CLUSTER, params: { namespace: 'demo', deployment: 'api' }, requester: cli });
  const planning = await t.drover.queue.submit({ runbook: 'delete-pod', cluster: CLUSTER, params: { namespace: 'demo', pod: 'web-1' }, requester: cli }, { needed: 1, reason: 'test', timeoutMs: 60_000 });
  expect((await t.drover.store.get(queued.id))?.state).toBe('queued');
  expect((await t.drover.store.get(planning.id))?.state).toBe('planning');

  const r = await revoke(CLUSTER);
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/3 run\(s\) it had not finished failed/);
  for (const id of [running.id, queued.id, planning.id]) {
    const run = await t.drover.store.get(id);
    expect(run).toMatchObject({ state: 'failed', error: { code: 'cluster_unreachable' } });
    expect(run?.error?.message).toMatch(/agent token was revoked/);
  }
  expect((await t.drover.store.get(running.id))?.error?.message).toMatch(/while this run was running: it stopped where its agent was cut off/);
  // Each end is in the central chain.
  const finished = (await t.drover.audit.read()).filter((e) => e.type === 'run.finished').map((e) => (e as { runId: string }).runId);
  expect(finished).toEqual(expect.arrayContaining([running.id, queued.id, planning.id]));
  const verified = await t.drover.audit.verify();
  expect(verified.ok).toBe(true);
  expect(verified.unkeyed).toBe(0);
  expect(await t.redis.exists(`${t.prefix}:q:cluster.${CLUSTER}:wait`, `${t.prefix}:q:cluster.${CLUSTER}:active`, `${t.prefix}:q:cluster.${CLUSTER}:meta`)).toBe(0);
  // And the agent is cut off.
  await expect(agentRedis.ping()).rejects.toThrow();
}, 40_000);
