/**
 * Drover's own agent, authenticated as its cluster's ACL user (not an admin),
 * against a central Drover on a Redis of the test's own: a run, a dry run, a
 * run held for approval all complete, and Redis logged no
 * refusal for the agent's user along the way. This is what settles the ACL's
 * command list for Drover's side (acl-isolation.test.ts settles BullMQ's).
 */
import type { Redis } from 'ioredis';
import { isTerminal, type RunRecord } from '../../../src/jobs/run-record.js';
import { seedSandbox, startK8sFake, type K8sFake } from '../../../src/testing/index.js';
import { aclDenials, startAclAgent, type AclAgent } from '../../support/fleet-agent.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/redis-server.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';

const CLUSTER = 'store-acl';
const cli = { kind: 'cli' as const, id: 'cli:alice', name: 'alice' };
const approver = { kind: 'slack' as const, id: 'UBOB', name: 'bob' };

let server: PrivateRedis;
let t: TestDrover;
let fake: K8sFake;
let acl: AclAgent;
let agentRedis: Redis;
let user: string;

async function finished(id: string): Promise<RunRecord> {
  return waitFor(async () => {
    const run = await t.drover.store.get(id);
    return run && isTerminal(run.state) ? run : undefined;
  }, `run ${id} to finish`, 20_000);
}

/** Denials Redis logged for the agent's user (ACL LOG), as `context object` lines. */
async function denied(): Promise<string[]> {
  return (await aclDenials(t.redis, [user])).map((line) => line.slice(user.length + 1));
}

beforeAll(async () => {
  server = await startPrivateRedis();
  t = await buildTestDrover({ redisUrl: server.url });
  fake = await startK8sFake();
  seedSandbox(fake);
  await t.redis.call('ACL', 'LOG', 'RESET');
  t.drover.startHousekeeping();
  acl = await startAclAgent(t, server.url, { cluster: CLUSTER, fake });
  ({ redis: agentRedis, user } = acl);
}, 30_000);

afterAll(async () => {
  await acl?.close();
  await t?.close();
  await fake?.stop();
  await server?.stop();
}, 30_000);

it('the agent connects as its ACL user, not as an admin', async () => {
  expect(await agentRedis.call('ACL', 'WHOAMI')).toBe(user);
});

it('runs, dry-runs and plans for approval under its ACL user (subscribed to its cancel channel, beating into its room), with no refusal logged', async () => {
  const run = await t.drover.queue.submit({ runbook: 'restart-deployment', cluster: CLUSTER, params: { namespace: 'demo', deployment: 'web' }, requester: cli });
  expect((await finished(run.id)).state).toBe('succeeded');

  const pod = fake.list('pods', 'demo')[0]?.metadata?.name as string;
  const dry = await t.drover.queue.submit({ runbook: 'delete-pod', cluster: CLUSTER, params: { namespace: 'demo', pod }, dryRun: true, requester: cli });
  expect((await finished(dry.id)).state).toBe('succeeded');

  const held = await t.drover.queue.submit({ runbook: 'delete-pod', cluster: CLUSTER, params: { namespace: 'demo', pod }, requester: cli }, { needed: 1, reason: 'test', timeoutMs: 60_000 });
  const proposed = await waitFor(async () => {
    const r = await t.drover.store.get(held.id);
    return r?.state === 'awaiting_approval' ? r : undefined;
  }, 'the agent to plan the proposal', 20_000);
  expect((await t.drover.approvals.approve(held.id, approver, proposed.approval?.hash as string)).kind).toBe('approved');
  expect((await finished(held.id)).state).toBe('succeeded');

  // The relay moved the agent's audit events into the central chain, which verifies.
  await waitFor(async () => (await t.drover.audit.forRun(held.id)).some((e) => e.type === 'run.finished'), 'the relayed run.finished');
  expect((await t.drover.audit.verify()).ok).toBe(true);

  expect(await denied()).toEqual([]);
}, 60_000);

it('a refusal would have been seen: ACL LOG records the agent user', async () => {
  await expect(agentRedis.get(`${t.prefix}:audit:head`)).rejects.toThrow(/NOPERM/);
  await expect(agentRedis.hgetall(`${t.prefix}:fleet:clusters`)).rejects.toThrow(/NOPERM/);
  expect(await denied()).toEqual([`toplevel ${t.prefix}:fleet:clusters`, `toplevel ${t.prefix}:audit:head`]);
});
