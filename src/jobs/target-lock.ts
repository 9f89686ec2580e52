import type { Redis } from 'ioredis';
import { RedisScript } from '../redis-script.js';

// Frees the lock if this run holds it; answers the runs waiting for the target, oldest first.
const RELEASE = new RedisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return redis.call('ZRANGE', KEYS[2], 0, 9)
`);
const RENEW = new RedisScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`);
// Take the lock if free, or keep it if this run already holds it (a resumed
// run after a crash); a run that takes it waits no more (KEYS[2]).
const ACQUIRE = new RedisScript(`
local holder = redis.call('GET', KEYS[1])
if (not holder) or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 'OK'
end
return holder
`);

export interface HeldLock {
  key: string;
  /** Stops renewing and frees the lock if this run still holds it; the runs waiting for the target, oldest first. */
  release(): Promise<string[]>;
}

/**
 * Mutual exclusion of runs on one target (cluster + concurrency key). The lock
 * expires by itself if its worker dies, so a crash cannot wedge a target.
 */
export class TargetLocks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs = 30_000,
  ) {}

  private key(cluster: string, concurrencyKey: string): string {
    return `${this.prefix}:lock:${cluster}:${concurrencyKey}`;
  }

  /** The lock (and the run no longer among the target's waiters), or the id of the run holding it. */
  async acquire(cluster: string, concurrencyKey: string, runId: string): Promise<HeldLock | { heldBy: string }> {
    const key = this.key(cluster, concurrencyKey);
    const answer = (await ACQUIRE.run(this.redis, [key, `${key}:waiters`], [runId, this.ttlMs])) as string;
    if (answer !== 'OK') return { heldBy: answer };
    const timer = setInterval(() => {
      RENEW.run(this.redis, [key], [runId, this.ttlMs]).catch(() => undefined);
    }, Math.max(1000, Math.floor(this.ttlMs / 3)));
    timer.unref();
    return {
      key,
      release: async () => {
        clearInterval(timer);
        return (await RELEASE.run(this.redis, [key, `${key}:waiters`], [runId])) as string[];
      },
    };
  }

  /** Queues a run to be woken when the target frees up (oldest first). */
  async addWaiter(cluster: string, concurrencyKey: string, runId: string): Promise<void> {
    const key = `${this.key(cluster, concurrencyKey)}:waiters`;
    await this.redis.multi().zadd(key, 'NX', Date.now(), runId).pexpire(key, 86_400_000).exec();
  }

  async removeWaiter(cluster: string, concurrencyKey: string, runId: string): Promise<void> {
    await this.redis.zrem(`${this.key(cluster, concurrencyKey)}:waiters`, runId);
  }
}
