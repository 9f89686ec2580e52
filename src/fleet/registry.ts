import type { Redis } from 'ioredis';
import { checkFleetClusterName, fleetRegistryKey } from './names.js';

/** An agent cluster, registered centrally when its agent token is made. */
export interface FleetCluster {
  name: string;
  /** Labels a fleet operation selects clusters by (`--clusters region=eu,tier=store`). */
  labels: Record<string, string>;
  createdAt: string;
  /** The Redis ACL user its agents authenticate as. */
  user: string;
}

/**
 * The agent clusters, in one Redis hash the central Drover reads. A run naming
 * one goes to that cluster's own queue, for its agent.
 */
export class FleetRegistry {
  readonly key: string;
  private cache: { at: number; clusters: Map<string, FleetCluster> } | undefined;
  private readonly one = new Map<string, { at: number; cluster: FleetCluster | undefined }>();

  constructor(
    private readonly redis: Redis,
    prefix: string,
    /** How long a read of the whole registry is reused (a cluster registered since is seen within it). */
    private readonly cacheMs = 2000,
    private readonly now: () => number = Date.now,
  ) {
    this.key = fleetRegistryKey(prefix);
  }

  async register(cluster: FleetCluster): Promise<void> {
    checkFleetClusterName(cluster.name);
    await this.redis.hset(this.key, cluster.name, JSON.stringify(cluster));
    this.cache = undefined;
    this.one.delete(cluster.name);
  }

  async remove(name: string): Promise<boolean> {
    this.cache = undefined;
    this.one.delete(name);
    return (await this.redis.hdel(this.key, name)) === 1;
  }

  /** Every agent cluster, by name (cached for `cacheMs`). */
  async all(): Promise<Map<string, FleetCluster>> {
    if (this.cache && this.now() - this.cache.at < this.cacheMs) return this.cache.clusters;
    const raw = await this.redis.hgetall(this.key);
    const clusters = new Map<string, FleetCluster>();
    for (const [name, json] of Object.entries(raw)) {
      try {
        clusters.set(name, JSON.parse(json) as FleetCluster);
      } catch {
        // A damaged entry is no cluster; `drover clusters` shows what is readable.
      }
    }
    this.cache = { at: this.now(), clusters };
    return clusters;
  }

  /** One cluster: from the whole registry's read when fresh, else one HGET (a submission must not read thousands of entries). */
  async get(name: string): Promise<FleetCluster | undefined> {
    if (this.cache && this.now() - this.cache.at < this.cacheMs) return this.cache.clusters.get(name);
    const known = this.one.get(name);
    if (known && this.now() - known.at < this.cacheMs) return known.cluster;
    const raw = await this.redis.hget(this.key, name);
    let cluster: FleetCluster | undefined;
    try {
      cluster = raw ? (JSON.parse(raw) as FleetCluster) : undefined;
    } catch {
      cluster = undefined;
    }
    if (this.one.size >= 10_000) this.one.clear();
    this.one.set(name, { at: this.now(), cluster });
    return cluster;
  }

  async has(name: string): Promise<boolean> {
    return (await this.get(name)) !== undefined;
  }

  async list(): Promise<FleetCluster[]> {
    return [...(await this.all()).values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
