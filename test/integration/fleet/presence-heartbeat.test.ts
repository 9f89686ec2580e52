/**
 * Agent presence against a real Redis: agents beat into their cluster's hash,
 * the central FleetPresence reads who is live, who is gone and since when.
 */
import { Redis } from 'ioredis';
import { AgentHeartbeat, FleetPresence, type AgentBeat } from '../../../src/fleet/agent-presence.js';
import { agentPresenceKey } from '../../../src/fleet/names.js';
import { FleetRegistry } from '../../../src/fleet/registry.js';
import { createAgentUser } from '../../../src/fleet/acl.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';
import { startPrivateRedis } from '../../support/redis-server.js';
import { waitFor } from '../../support/wait-for.js';

const INTERVAL = 50;
const STALE = 300;

function info(id: string, cluster: string, over: Partial<AgentBeat> = {}): () => Omit<AgentBeat, 'seenAt'> {
  return () => ({
    id,
    cluster,
    version: '1.2.0',
    host: `host-${id}`,
    pid: 4242,
    capacity: 4,
    inFlight: 1,
    kubernetesVersion: 'v1.29.3',
    runbooks: 12,
    startedAt: '2026-12-06T20:00:00.000Z',
    ...over,
  });
}

describe('agent presence', () => {
  let redis: Redis;
  let prefix: string;
  let registry: FleetRegistry;
  let presence: FleetPresence;
  const beats: AgentHeartbeat[] = [];

  const agent = (id: string, cluster: string, over: Partial<AgentBeat> = {}, conn: Redis = redis) => {
    const hb = new AgentHeartbeat(conn, prefix, cluster, info(id, cluster, over), INTERVAL);
    beats.push(hb);
    return hb;
  };
  const register = (name: string, labels: Record<string, string> = {}) => registry.register({ name, labels, createdAt: new Date().toISOString(), user: `u-${name}` });
  const statusOf = async (name: string) => (await presence.status()).find((s) => s.name === name);

  beforeEach(() => {
    redis = redisClient();
    prefix = uniquePrefix('presence');
    registry = new FleetRegistry(redis, prefix, 0);
    presence = new FleetPresence(redis, prefix, registry, STALE);
  });

  afterEach(async () => {
    await Promise.all(beats.splice(0).map((b) => b.stop()));
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it('a beating agent makes its cluster up, with its versions, capacity and runs in flight', async () => {
    await register('store-1', { region: 'eu' });
    await register('store-2');
    await agent('a1', 'store-1').start();
    await agent('a2', 'store-1', { version: '1.3.0', inFlight: 2, kubernetesVersion: 'v1.30.0' }).start();
    const status = await presence.status();
    expect(status.map((s) => [s.name, s.state])).toEqual([
      ['store-1', 'up'],
      ['store-2', 'never-seen'],
    ]);
    const up = status[0]!;
    expect(up.labels).toEqual({ region: 'eu' });
    expect(up.agents.map((a) => a.id)).toEqual(['a1', 'a2']);
    expect(up.versions).toEqual(['1.2.0', '1.3.0']);
    expect(up.kubernetesVersions).toEqual(['v1.29.3', 'v1.30.0']);
    expect(up.inFlight).toBe(3);
    expect(up.capacity).toBe(8);
    // seenAt is Redis's clock: close to ours on one machine.
    expect(Math.abs(Date.now() - up.lastSeen!)).toBeLessThan(1000);
    expect(await presence.isLive('store-1')).toBe(true);
    expect(await presence.isLive('store-2')).toBe(false);
    expect(status[1]).toMatchObject({ agents: [], lastSeen: undefined, inFlight: 0, capacity: 0, versions: [], kubernetesVersions: [] });
  });

  it('an agent that stops removes its entry; the cluster is absent with when and who was last seen', async () => {
    await register('store-1');
    const hb = agent('a1', 'store-1');
    await hb.start();
    // A central read while it lives (each /metrics scrape and sweep makes one) records its beat.
    expect(await presence.isLive('store-1')).toBe(true);
    await hb.stop();
    expect(await redis.hkeys(agentPresenceKey(prefix, 'store-1'))).toEqual([]);
    const status = await statusOf('store-1');
    // The central record remembers the last beat a read saw.
    expect(status).toMatchObject({ state: 'absent', agents: [], last: { id: 'a1', version: '1.2.0', host: 'host-a1' } });
    expect(status!.lastSeen).toBeGreaterThan(Date.now() - 2000);
  });

  it('an agent killed without stopping goes absent after the staleness period, and its hash expires a few beats later', async () => {
    await register('store-1');
    const conn = redisClient();
    const hb = agent('a1', 'store-1', {}, conn);
    await hb.start();
    expect((await statusOf('store-1'))?.state).toBe('up');
    // Killed: its connection gone, no stop(), no removal.
    conn.disconnect();
    const killedAt = Date.now();
    expect((await statusOf('store-1'))?.state).toBe('up');
    await waitFor(async () => (await statusOf('store-1'))?.state === 'absent', 'the cluster to go absent', 5000);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(STALE - INTERVAL * 2);
    // 12 beats after the last, nothing of it is left in the cluster's hash; Drover still knows when it was seen.
    await waitFor(async () => (await redis.exists(agentPresenceKey(prefix, 'store-1'))) === 0, 'the presence hash to expire', 5000);
    const status = await statusOf('store-1');
    expect(status).toMatchObject({ state: 'absent', last: { id: 'a1', host: 'host-a1' } });
    await hb.stop();
  });

  it('a rebuilt cluster registers again under its name: a new agent id, the dead one dropped without cleanup', async () => {
    await register('store-1');
    const oldConn = redisClient();
    const old = agent('old-agent', 'store-1', {}, oldConn);
    await old.start();
    oldConn.disconnect();
    await waitFor(async () => (await statusOf('store-1'))?.state === 'absent', 'the old agent to go stale', 5000);
    await agent('new-agent', 'store-1', { version: '1.3.0' }).start();
    const status = await statusOf('store-1');
    expect(status?.state).toBe('up');
    expect(status?.agents.map((a) => a.id)).toEqual(['new-agent']);
    expect(status?.last?.id).toBe('new-agent');
    // The new agent's beats drop the dead entry once it is older than the hash's lifetime.
    await waitFor(async () => (await redis.hkeys(agentPresenceKey(prefix, 'store-1'))).join() === 'new-agent', 'the dead entry to be dropped', 5000);
    await old.stop();
  });

  it('beats that fail while Redis is away are retried on the next tick; the agent carries on', async () => {
    const server = await startPrivateRedis();
    // Without an offline queue a beat while Redis is away fails at once (rather than wait for the reconnect).
    const conn = new Redis(server.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => 50 });
    conn.on('error', () => undefined);
    const central = redisClient(server.url);
    central.on('error', () => undefined);
    try {
      const reg = new FleetRegistry(central, prefix, 0);
      await reg.register({ name: 'store-1', labels: {}, createdAt: new Date().toISOString(), user: 'u' });
      const errors: Error[] = [];
      const hb = new AgentHeartbeat(conn, prefix, 'store-1', info('a1', 'store-1'), INTERVAL, (err) => errors.push(err));
      beats.push(hb);
      await hb.start();
      const fleet = new FleetPresence(central, prefix, reg, STALE);
      expect(await fleet.isLive('store-1')).toBe(true);
      await server.kill();
      await waitFor(() => errors.length >= 3, 'beats to fail', 5000);
      await server.restart();
      await waitFor(async () => central.status === 'ready' && (await fleet.isLive('store-1').catch(() => false)), 'the agent to beat again', 10_000);
      expect((await fleet.agents('store-1')).map((a) => a.id)).toEqual(['a1']);
      expect(errors[0]?.message).toMatch(/closed|not writeable|ECONNREFUSED|offline/i);
      await hb.stop();
    } finally {
      conn.disconnect();
      central.disconnect();
      await server.stop();
    }
  });

  it("an agent beats as its cluster's own ACL user, which may not write another cluster's presence", async () => {
    const server = await startPrivateRedis();
    const admin = redisClient(server.url);
    let agentConn: Redis | undefined;
    try {
      const user = await createAgentUser(admin, { prefix, cluster: 'store-1' });
      agentConn = new Redis(server.url, { username: user.user, password: user.password, maxRetriesPerRequest: 0 });
      const errors: Error[] = [];
      const hb = new AgentHeartbeat(agentConn, prefix, 'store-1', info('a1', 'store-1'), INTERVAL, (err) => errors.push(err));
      beats.push(hb);
      await hb.start();
      const reg = new FleetRegistry(admin, prefix, 0);
      await reg.register({ name: 'store-1', labels: {}, createdAt: '', user: user.user });
      expect(errors).toEqual([]);
      expect(await new FleetPresence(admin, prefix, reg, STALE).isLive('store-1')).toBe(true);
      // Posing as another cluster's agent is refused by Redis.
      const impostor = new AgentHeartbeat(agentConn, prefix, 'store-2', info('a9', 'store-2'), INTERVAL, (err) => errors.push(err));
      expect(await impostor.beat()).toBe(false);
      expect(errors[0]?.message).toMatch(/NOPERM/);
      expect(await admin.exists(agentPresenceKey(prefix, 'store-2'))).toBe(0);
      await hb.stop();
      expect(await admin.hkeys(agentPresenceKey(prefix, 'store-1'))).toEqual([]);
    } finally {
      agentConn?.disconnect();
      admin.disconnect();
      await server.stop();
    }
  });

  it('status reads thousands of clusters in batches, and forgets the record of a cluster no longer registered', async () => {
    const names = Array.from({ length: 600 }, (_, i) => `store-${i}`);
    const seed = redis.pipeline();
    for (const name of names) seed.hset(registry.key, name, JSON.stringify({ name, labels: { n: String(Number(name.slice(6)) % 3) }, createdAt: '', user: '' }));
    await seed.exec();
    await agent('a1', 'store-7').start();
    await agent('a2', 'store-599').start();
    // What reaches Redis (MONITOR, filtered to this test's keys): HGETALLs in one pipeline per 250 clusters, never KEYS or SCAN.
    const watcher = redis.duplicate();
    const monitor = await watcher.monitor();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      // Not the commands the agents' beat scripts run.
      if (source !== 'lua' && args.some((a) => a.startsWith(prefix))) commands.push(String(args[0]).toLowerCase());
    });
    let pipelines = 0;
    const pipeline = redis.pipeline;
    redis.pipeline = () => {
      pipelines++;
      return pipeline.call(redis);
    };
    let status;
    try {
      status = await presence.status();
      await redis.ping();
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      redis.pipeline = pipeline;
      monitor.disconnect();
      watcher.disconnect();
    }
    expect(pipelines).toBe(3);
    expect(status).toHaveLength(600);
    expect(status.filter((s) => s.state === 'up').map((s) => s.name).sort()).toEqual(['store-599', 'store-7']);
    // One bounded read of each cluster's presence hash (HRANDFIELD … 1000 WITHVALUES), and the registry's HGETALL.
    expect(commands.filter((c) => c === 'hrandfield')).toHaveLength(600);
    expect(commands.filter((c) => c === 'hgetall')).toHaveLength(1);
    expect(commands.some((c) => ['keys', 'scan'].includes(c))).toBe(false);
    expect(await redis.hkeys(presence.seenKey)).toEqual(expect.arrayContaining(['store-7', 'store-599']));
    await registry.remove('store-7');
    await presence.status();
    expect(await redis.hkeys(presence.seenKey)).toEqual(['store-599']);
  });
});
