/**
 * drover_fleet_agents and drover_fleet_agent_last_seen_seconds, read from a
 * real Redis through FleetPresence when the registry is scraped.
 */
import type { Redis } from 'ioredis';
import { AgentHeartbeat, FleetPresence } from '../../../src/fleet/agent-presence.js';
import { FleetRegistry } from '../../../src/fleet/registry.js';
import { createMetrics } from '../../../src/metrics/metrics.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';

/** The samples of one metric, by cluster. */
async function samples(registry: ReturnType<typeof createMetrics>['registry'], name: string): Promise<Record<string, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return Object.fromEntries((metric?.values ?? []).map((v) => [String(v.labels.cluster), v.value]));
}

describe('fleet gauges', () => {
  let redis: Redis;
  let prefix: string;
  let registry: FleetRegistry;
  let presence: FleetPresence;

  beforeEach(() => {
    redis = redisClient();
    prefix = uniquePrefix('fleet-metrics');
    registry = new FleetRegistry(redis, prefix, 0);
    presence = new FleetPresence(redis, prefix, registry, 30_000);
  });

  afterEach(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it('one series per registered agent cluster: live agents, and seconds since the last beat (none for a cluster never seen)', async () => {
    for (const name of ['store-1', 'store-2', 'store-3']) await registry.register({ name, labels: {}, createdAt: '', user: '' });
    const beats = ['a1', 'a2'].map(
      (id) => new AgentHeartbeat(redis, prefix, 'store-1', () => ({ id, cluster: 'store-1', version: '1', host: 'h', pid: 1, capacity: 1, inFlight: 0, runbooks: 1, startedAt: '' })),
    );
    const gone = new AgentHeartbeat(redis, prefix, 'store-2', () => ({ id: 'b1', cluster: 'store-2', version: '1', host: 'h', pid: 1, capacity: 1, inFlight: 0, runbooks: 1, startedAt: '' }));
    for (const b of [...beats, gone]) await b.start();
    let reads = 0;
    const metrics = createMetrics({
      fleet: () => {
        reads++;
        return presence.status();
      },
    });
    // store-2's agent, seen by a read, then stopped.
    await presence.status();
    await gone.stop();
    const stoppedAt = Date.now();
    try {
      await metrics.registry.metrics();
      // Both gauges from one read per scrape.
      expect(reads).toBe(1);
      expect(await samples(metrics.registry, 'drover_fleet_agents')).toEqual({ 'store-1': 2, 'store-2': 0, 'store-3': 0 });
      const seen = await samples(metrics.registry, 'drover_fleet_agent_last_seen_seconds');
      expect(Object.keys(seen).sort()).toEqual(['store-1', 'store-2']);
      expect(seen['store-1']).toBeLessThan(2);
      await new Promise((r) => setTimeout(r, 1500));
      const late = await samples(metrics.registry, 'drover_fleet_agent_last_seen_seconds');
      expect(late['store-2']).toBeGreaterThanOrEqual((Date.now() - stoppedAt) / 1000 - 0.1);
      expect(late['store-2']).toBeLessThan((Date.now() - stoppedAt) / 1000 + 1);
      expect(late['store-1']).toBeLessThan(2);
      // A cluster no longer registered has no series.
      await registry.remove('store-3');
      expect(Object.keys(await samples(metrics.registry, 'drover_fleet_agents')).sort()).toEqual(['store-1', 'store-2']);
    } finally {
      for (const b of beats) await b.stop();
    }
  });

  it('no sample while the read fails (Redis away), rather than 0 agents everywhere', async () => {
    await registry.register({ name: 'store-1', labels: {}, createdAt: '', user: '' });
    const metrics = createMetrics({ fleet: () => Promise.reject(new Error('Redis connecting')) });
    expect(await samples(metrics.registry, 'drover_fleet_agents')).toEqual({});
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE drover_fleet_agents gauge');
    expect(text).not.toMatch(/^drover_fleet_agents\{/m);
  });
});
