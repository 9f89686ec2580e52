import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import { Presence } from '../jobs/presence.js';
import { RunStore } from '../jobs/run-store.js';
import { Redactor } from '../redact/redactor.js';
import { configFrom, type RuntimeEnv } from './config-from.js';
import { connectRedis } from './redis-connect.js';

/** What the reading commands (`history`, `status`, `clusters`) need: the run store and presence, on one connection. */
export interface StoreClient {
  config: Config;
  redis: Redis;
  store: RunStore;
  presence: Presence;
}

/**
 * Opens Redis, runs `fn` and closes it. Unlike `withClient`, it loads neither
 * the runbooks, the queue, Slack nor the Kubernetes client: a read answers at once.
 */
export async function withStore<T>(rt: RuntimeEnv, fn: (client: StoreClient) => Promise<T>): Promise<T> {
  const config = configFrom(rt);
  const redis = await connectRedis(config.redis.url, undefined, config.redis.caFile);
  try {
    const prefix = config.redis.prefix;
    const store = new RunStore({ redis, prefix, now: () => new Date(), redactor: new Redactor(config.redaction.patterns) });
    return await fn({ config, redis, store, presence: new Presence(redis, prefix) });
  } finally {
    await redis.quit().catch(() => undefined);
  }
}
