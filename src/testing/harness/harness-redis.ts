import type { Redis } from 'ioredis';
import { connectRedis } from '../../cli/redis-connect.js';
import { DroverError, errorMessage } from '../../errors.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

const HOW_TO_GET_REDIS =
  'The runbook harness runs a whole Drover, which keeps its runs in Redis. Start one (Docker: docker run -d -p 6379:6379 redis:7; ' +
  'Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis && brew services start redis), or set REDIS_URL.';

/** Connects to the Redis the harness uses, or says how to get one. */
export async function harnessRedis(url: string, timeoutMs = 3000): Promise<Redis> {
  try {
    return await connectRedis(url, timeoutMs);
  } catch (err) {
    throw new DroverError('redis_unavailable', `${errorMessage(err)}\n${HOW_TO_GET_REDIS}`, { cause: err });
  }
}

/** Deletes every key under the harness's prefix (its runs, audit log and queue). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}
