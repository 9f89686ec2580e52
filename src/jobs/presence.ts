import type { Redis } from 'ioredis';
import { hostname } from 'node:os';
import { unknownCluster, type ClusterResolver } from '../k8s/clusters.js';

export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  clusters: string[];
  defaultCluster?: string;
  runbooks: string[];
  seenAt: number;
}

const STALE_MS = 45_000;

/** Clusters and the default that workers last announced, kept when they stop. */
export interface KnownClusters {
  names: string[];
  defaultName?: string;
}

/**
 * Workers announce themselves and the clusters they serve, so that a CLI or a
 * chat front end, which may have no kubeconfig of its own, can check a cluster
 * name before it enqueues a run.
 */
export class Presence {
  private timer: NodeJS.Timeout | undefined;
  private readonly key: string;
  private readonly knownKey: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = `${prefix}:workers`;
    this.knownKey = `${prefix}:workers:known`;
  }

  async announce(info: Omit<WorkerInfo, 'seenAt' | 'host' | 'pid'>, intervalMs = 15_000): Promise<void> {
    const known = { clusters: info.clusters, ...(info.defaultCluster ? { default: info.defaultCluster } : {}) };
    const beat = () =>
      this.redis
        .multi()
        .hset(this.key, info.id, JSON.stringify({ ...info, host: hostname(), pid: process.pid, seenAt: Date.now() }))
        // Outlives the worker: a run asked for while none is running still finds its cluster.
        .hset(this.knownKey, info.id, JSON.stringify({ ...known, seenAt: Date.now() }))
        .exec();
    await beat();
    this.timer = setInterval(() => void beat().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  async withdraw(id: string): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.redis.hdel(this.key, id);
  }

  /**
   * The clusters workers announced, live or stopped (the newest default
   * wins): what a run may name while no worker is running.
   */
  async known(): Promise<KnownClusters> {
    const all = Object.values(await this.redis.hgetall(this.knownKey)).map((raw) => JSON.parse(raw) as { clusters: string[]; default?: string; seenAt: number });
    all.sort((a, b) => b.seenAt - a.seenAt);
    const names = [...new Set(all.flatMap((w) => w.clusters))].sort();
    const defaultName = all.find((w) => w.default)?.default;
    return { names, ...(defaultName ? { defaultName } : {}) };
  }

  /** Workers seen recently. */
  async workers(): Promise<WorkerInfo[]> {
    const all = await this.redis.hgetall(this.key);
    const cutoff = Date.now() - STALE_MS;
    return Object.values(all)
      .map((raw) => JSON.parse(raw) as WorkerInfo)
      .filter((w) => w.seenAt >= cutoff);
  }

  /**
   * Resolves cluster names against what live workers serve. With no live
   * worker, against what workers last announced (or `configuredDefault`): the
   * run waits in the queue for one. A name never announced is accepted as
   * given (a worker that does not know the cluster fails it with the list of
   * known ones).
   */
  resolver(configuredDefault?: string): ClusterResolver {
    return async (name) => {
      const workers = await this.workers();
      if (!workers.length) {
        if (name) return name;
        const known = await this.known();
        const fallback = configuredDefault ?? known.defaultName ?? (known.names.length === 1 ? known.names[0] : undefined);
        if (fallback) return fallback;
        throw unknownCluster(undefined, known.names);
      }
      const known = [...new Set(workers.flatMap((w) => w.clusters))].sort();
      const fallback = workers.find((w) => w.defaultCluster)?.defaultCluster;
      const wanted = name ?? fallback;
      if (wanted && known.includes(wanted)) return wanted;
      throw unknownCluster(name, known, fallback);
    };
  }
}
