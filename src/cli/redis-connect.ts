import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { DroverError, errorMessage } from '../errors.js';

/**
 * Connects to Redis and proves it answers, failing with an operator-facing
 * message instead of retrying silently for ever.
 */
export async function connectRedis(url: string, timeoutMs = 3000, caFile?: string): Promise<Redis> {
  // Auto-pipelining: the commands concurrent runs and webhooks issue in one tick go out in one write
  // (BullMQ gets its own connection without it; see createDrover).
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true, enableOfflineQueue: true, enableAutoPipelining: true, ...tlsOptions(url, caFile) });
  redis.on('error', () => undefined); // reported through the ping below and readiness
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs}ms`)), timeoutMs).unref()),
    ]);
    return redis;
  } catch (err) {
    redis.disconnect();
    throw new DroverError('redis_unavailable', `Redis is not answering at ${redactUrl(url)} (${errorMessage(err)}). Start Redis or set REDIS_URL.`, {
      cause: err,
      retryable: true,
    });
  }
}

/** A `rediss://` server verified against `caFile` (a PEM bundle) rather than the system's CAs. */
function tlsOptions(url: string, caFile: string | undefined): { tls?: { ca: Buffer } } {
  if (!caFile || !url.startsWith('rediss://')) return {};
  try {
    return { tls: { ca: readFileSync(caFile) } };
  } catch (err) {
    throw new DroverError('config_invalid', `Cannot read the Redis CA file ${caFile} (REDIS_CA_FILE): ${errorMessage(err)}`, { cause: err });
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
