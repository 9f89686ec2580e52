/**
 * `drover clusters` against a real Redis: the clusters central workers serve
 * and the agent clusters, with their agents, last seen and runs in flight.
 */
import type { Redis } from 'ioredis';
import { EXIT } from '../../../src/cli/output.js';
import { AgentHeartbeat } from '../../../src/fleet/agent-presence.js';
import { FleetRegistry } from '../../../src/fleet/registry.js';
import { Presence } from '../../../src/jobs/presence.js';
import { drover } from '../../support/cli.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';

describe('drover clusters', () => {
  let redis: Redis;
  let prefix: string;
  let workers: Presence;
  const beats: AgentHeartbeat[] = [];

  /** `drover clusters …` through the real CLI, with this test's prefix. */
  const clusters = (args: string[] = []) => drover(undefined, ['clusters', ...args], { DROVER_REDIS_PREFIX: prefix });


  beforeEach(async () => {
    redis = redisClient();
    prefix = uniquePrefix('clusters-cli');
    workers = new Presence(redis, prefix);
    const registry = new FleetRegistry(redis, prefix, 0);
    await registry.register({ name: 'store-1', labels: { region: 'eu', tier: 'store' }, createdAt: '', user: '' });
    await registry.register({ name: 'store-2', labels: { region: 'us', tier: 'store' }, createdAt: '', user: '' });
    await registry.register({ name: 'edge-1', labels: { region: 'eu', tier: 'edge' }, createdAt: '', user: '' });
    await workers.announce({ id: 'w1', clusters: ['prod', 'staging'], defaultCluster: 'prod', runbooks: [] }, 60_000);
    const hb = new AgentHeartbeat(redis, prefix, 'store-1', () => ({
      id: 'agent-x',
      cluster: 'store-1',
      version: '1.2.0',
      host: 'node-3',
      pid: 1,
      capacity: 4,
      inFlight: 3,
      kubernetesVersion: 'v1.29.3',
      runbooks: 10,
      startedAt: '',
    }));
    beats.push(hb);
    await hb.start();
  });

  afterEach(async () => {
    await Promise.all(beats.splice(0).map((b) => b.stop()));
    await workers.withdraw('w1');
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it('a table of every cluster: worker clusters and agent clusters, with agents, last seen, runs in flight and state', async () => {
    const r = await clusters();
    expect(r.code).toBe(EXIT.ok);
    expect(r.err).toBe('');
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^NAME\s+KIND\s+STATE\s+AGENTS\s+LAST SEEN\s+IN FLIGHT\s+LABELS$/);
    expect(lines.slice(1, -1).map((l) => l.split(/\s{2,}/))).toEqual([
      ['edge-1', 'agent', 'never-seen', '0', 'never', '0', 'region=eu,tier=edge'],
      ['prod (default)', 'worker', 'up', '1', expect.stringMatching(/^\ds ago$/), '-', '-'],
      ['staging', 'worker', 'up', '1', expect.stringMatching(/^\ds ago$/), '-', '-'],
      ['store-1', 'agent', 'up', '1 (v1.2.0; k8s v1.29.3)', expect.stringMatching(/^\ds ago$/), '3/4', 'region=eu,tier=store'],
      ['store-2', 'agent', 'never-seen', '0', 'never', '0', 'region=us,tier=store'],
    ]);
    expect(lines.at(-1)).toBe('5 cluster(s): 3 up, 0 absent, 2 never seen.');
  });

  it('--label filters by label (repeated or comma-separated); --json prints the rows', async () => {
    const eu = await clusters(['--label', 'region=eu', '--label', 'tier=store']);
    expect(eu.out.split('\n').slice(1, -1).map((l) => l.split(/\s+/)[0])).toEqual(['store-1']);
    const comma = await clusters(['--label', 'region=eu,tier=edge', '--json']);
    expect(comma.code).toBe(EXIT.ok);
    const rows = JSON.parse(comma.out) as Array<Record<string, unknown>>;
    expect(rows).toEqual([{ name: 'edge-1', kind: 'agent', labels: { region: 'eu', tier: 'edge' }, agents: 0, versions: [], kubernetesVersions: [], inFlight: 0, capacity: 0, state: 'never-seen' }]);
    const all = JSON.parse((await clusters(['--json'])).out) as Array<{ name: string; kind: string; lastSeen?: number }>;
    expect(all.map((r) => `${r.name}:${r.kind}`)).toEqual(['edge-1:agent', 'prod:worker', 'staging:worker', 'store-1:agent', 'store-2:agent']);
    expect(all.find((r) => r.name === 'store-1')?.lastSeen).toBeGreaterThan(Date.now() - 5000);
    const none = await clusters(['--label', 'region=mars']);
    expect(none.code).toBe(EXIT.ok);
    expect(none.out).toMatch(/^No cluster with labels region=mars/);
    // The grammar of drover rollout --clusters: key!=value and key (has the label) too.
    const notEdge = await clusters(['--label', 'region=eu,tier!=edge']);
    expect(notEdge.out.split('\n').slice(1, -1).map((l) => l.split(/\s+/)[0])).toEqual(['store-1']);
    const labelled = JSON.parse((await clusters(['--label', 'region', '--json'])).out) as Array<{ name: string }>;
    expect(labelled.map((r) => r.name)).toEqual(expect.arrayContaining(['edge-1', 'store-1']));
    expect(labelled.map((r) => r.name)).not.toContain('prod');
    const bad = await clusters(['--label', '=eu']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err).toMatch(/^error: Invalid cluster selector: "" is not a label key\./);
  });

  it('an agent that has gone is absent, with when it was last seen', async () => {
    await clusters();
    await beats[0]!.stop();
    const r = await clusters();
    expect(r.out).toMatch(/^store-1\s+agent\s+absent\s+0 \(v1\.2\.0; k8s v1\.29\.3\)\s+\ds ago\s+0\s+region=eu,tier=store$/m);
    expect(r.out.split('\n').at(-1)).toBe('5 cluster(s): 2 up, 1 absent, 2 never seen.');
  });
});
