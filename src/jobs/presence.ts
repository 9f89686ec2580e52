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

/**
 * Workers announce themselves and the clusters they serve, so that a CLI or a
 * chat front end, which may have no kubeconfig of its own, can check a cluster
 * name before it enqueues a run.
 */
export class Presence {
  private timer: NodeJS.Timeout | undefined;
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = `${prefix}:workers`;
  }

  async announce(info: Omit<WorkerInfo, 'seenAt' | 'host' | 'pid'>, intervalMs = 15_000): Promise<void> {
    const beat = () =>
      this.redis.hset(this.key, info.id, JSON.stringify({ ...info, host: hostname(), pid: process.pid, seenAt: Date.now() }));
    await beat();
    this.timer = setInterval(() => void beat().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  async withdraw(id: string): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.redis.hdel(this.key, id);
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
   * worker, the name is accepted as given (the run waits in the queue, and a
   * worker that does not know the cluster fails it with the list of known ones).
   */
  resolver(): ClusterResolver {
    return async (name) => {
      const workers = await this.workers();
      if (!workers.length) {
        if (name) return name;
        throw unknownCluster(undefined, []);
      }
      const known = [...new Set(workers.flatMap((w) => w.clusters))].sort();
      const fallback = workers.find((w) => w.defaultCluster)?.defaultCluster;
      const wanted = name ?? fallback;
      if (wanted && known.includes(wanted)) return wanted;
      throw unknownCluster(name, known, fallback);
    };
  }
}
