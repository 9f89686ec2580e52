/**
 * Someone holding an agent cluster's credentials (a leaked Secret) fills its
 * queue with forged jobs naming other clusters' runs and central runs. The
 * honest agent that takes them cannot reach those records (its ACL user):
 * the jobs fail cleanly (NOPERM, once, whatever attempts they ask for), the records are
 * untouched, and the agent goes on taking its own cluster's runs.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { isTerminal } from '../../../src/jobs/run-record.js';
import { seedSandbox, startK8sFake, type K8sFake } from '../../../src/testing/index.js';
import { startAclAgent, type AclAgent } from '../../support/fleet-agent.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/redis-server.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';

const CLUSTER = 'store-q';
const cli = { kind: 'cli' as const, id: 'cli:alice', name: 'alice' };
let server: PrivateRedis;
let t: TestDrover;
let fake: K8sFake;
let acl: AclAgent;
let forger: Redis;

beforeAll(async () => {
  server = await startPrivateRedis();
  t = await buildTestDrover({ redisUrl: server.url });
  fake = await startK8sFake();
  seedSandbox(fake);
  acl = await startAclAgent(t, server.url, { cluster: CLUSTER, fake });
  // Another connection with the same (leaked) credentials.
  forger = new Redis(server.url, { username: acl.user, password: acl.password, maxRetriesPerRequest: null });
}, 30_000);

afterAll(async () => {
  await acl?.close();
  await forger?.quit().catch(() => undefined);
  await t?.close();
  await fake?.stop();
  await server?.stop();
}, 30_000);

it('forged jobs naming another cluster’s run or a central run fail on NOPERM, touching nothing; its own runs go on', async () => {
  const victim = `${t.prefix}:run:store-other.r1`;
  const central = `${t.prefix}:run:rcentral1`;
  for (const key of [victim, central]) await t.redis.hset(key, { state: 'queued', cluster: 'test', runbook: 'delete-pod', params: '{}', requester: JSON.stringify(cli) });
  const queue = new Queue(`cluster.${CLUSTER}`, { connection: forger, prefix: `${t.prefix}:q` });
  queue.on('error', () => undefined);
  try {
    await queue.add('run', { runId: 'store-other.r1' }, { jobId: 'forged-1', attempts: 1000, backoff: { type: 'fixed', delay: 10 } });
    await queue.add('run', { runId: 'rcentral1' }, { jobId: 'forged-2', attempts: 1000, backoff: { type: 'fixed', delay: 10 } });
    for (const id of ['forged-1', 'forged-2']) {
      const job = await waitFor(async () => {
        const j = await queue.getJob(id);
        return j?.finishedOn && j.failedReason ? j : undefined;
      }, `${id} to fail`, 15_000);
      expect(job.failedReason).toMatch(/NOPERM/);
      // Once, whatever attempts the forger asked for: no retry reads it.
      expect(job.attemptsMade).toBe(1);
    }
  } finally {
    await queue.close();
  }
  for (const key of [victim, central]) expect(await t.redis.hget(key, 'state')).toBe('queued');
  const run = await t.drover.queue.submit({ runbook: 'restart-deployment', cluster: CLUSTER, params: { namespace: 'demo', deployment: 'web' }, requester: cli });
  const done = await waitFor(async () => {
    const r = await t.drover.store.get(run.id);
    return r && isTerminal(r.state) ? r : undefined;
  }, 'its own run', 20_000);
  expect(done.state).toBe('succeeded');
}, 60_000);
