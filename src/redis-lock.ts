import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RedisScript } from './redis-script.js';

// Deletes the lock only if it still holds our token.
const RELEASE = new RedisScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`);

/**
 * Runs `fn` if this caller gets the lock `key` (held at most `ttlMs`), so one
 * Drover instance at a time does a periodic job; undefined when another holds
 * it. Only the holder releases it: a loser never frees the winner's lock.
 */
export async function withLock<T>(redis: Redis, key: string, ttlMs: number, fn: () => Promise<T>): Promise<T | undefined> {
  const token = randomBytes(8).toString('hex');
  if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return undefined;
  try {
    return await fn();
  } finally {
    await RELEASE.run(redis, [key], [token]).catch(() => undefined);
  }
}
