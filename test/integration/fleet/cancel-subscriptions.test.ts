/**
 * Many agents starting at once, each with its own connections (as pods do):
 * every one listens on its cluster's cancel channel afterwards. A SUBSCRIBE
 * that raced the connection's ready check used to leave most of them deaf
 * (the fleet bench counted 417 of 2,000), so a cancel never reached a run in
 * progress there. The race is forced in the second test (which fails without
 * the fix); the first counts a crowd's subscriptions.
 */
import { once } from 'node:events';
import pino from 'pino';
import type { Redis } from 'ioredis';
import { createAgent, type Agent } from '../../../src/fleet/agent.js';
import { fleetCancelChannel } from '../../../src/fleet/names.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { RunbookRegistry } from '../../../src/runbook/registry.js';
import { connectRedis } from '../../../src/cli/redis-connect.js';
import { REDIS_URL, deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';
import { allowAll } from '../../support/test-drover.js';

const AGENTS = 100;
const prefix = uniquePrefix('subs');
const admin = redisClient();
const agents: Agent[] = [];
const connections: Redis[] = [];

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close(true).catch(() => undefined)));
  await Promise.all(connections.map((c) => c.quit().catch(() => undefined)));
  await deletePrefix(admin, prefix);
  await admin.quit();
}, 60_000);

it(`${AGENTS} agents started together all hear their cluster's cancels`, async () => {
  const config = loadConfig({ env: { DROVER_REDIS_PREFIX: prefix } });
  const names = Array.from({ length: AGENTS }, (_, i) => `s${String(i).padStart(3, '0')}`);
  for (const cluster of names) {
    // As `drover agent` connects (lazyConnect, then connect()): its duplicates are lazy too.
    const redis = await connectRedis(REDIS_URL);
    connections.push(redis);
    agents.push(createAgent({ config, redis, cluster, runbooks: new RunbookRegistry([]), k8s: () => { throw new Error('no cluster'); }, logger: pino({ level: 'silent' }), policy: allowAll(), heartbeatMs: 60_000 }));
  }
  await Promise.all(agents.map((a) => a.start()));
  const counts = (await admin.call('PUBSUB', 'NUMSUB', ...names.map((c) => fleetCancelChannel(prefix, c)))) as Array<string | number>;
  const deaf = names.filter((_, i) => Number(counts[2 * i + 1]) !== 1);
  expect(deaf).toEqual([]);
}, 60_000);

it('an agent started while its cancel connection is between connect and ready still subscribes (the race, forced)', async () => {
  const config = loadConfig({ env: { DROVER_REDIS_PREFIX: prefix } });
  // A connection that connects at once (not lazily): its duplicates connect as soon as they are made.
  const redis = redisClient();
  connections.push(redis);
  await redis.ping();
  const agent = createAgent({ config, redis, cluster: 'raced', runbooks: new RunbookRegistry([]), k8s: () => { throw new Error('no cluster'); }, logger: pino({ level: 'silent' }), policy: allowAll(), heartbeatMs: 60_000 });
  agents.push(agent);
  // Where the race was: a subscriber already connecting when start() subscribed. Started exactly at 'connect'.
  const subscriber = (agent.worker as unknown as { subscriber: Redis }).subscriber;
  if (subscriber.status !== 'wait') await once(subscriber, 'connect');
  await agent.start();
  await new Promise((r) => setTimeout(r, 500));
  const [, count] = (await admin.call('PUBSUB', 'NUMSUB', fleetCancelChannel(prefix, 'raced'))) as [string, number];
  expect(Number(count)).toBe(1);
}, 30_000);
