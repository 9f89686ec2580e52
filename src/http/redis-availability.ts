import type { ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import { DroverError } from '../errors.js';

/** Seconds a client is told to wait (Retry-After) while Redis is down. */
export const RETRY_AFTER_SECONDS = 5;

/** How long a request waits for a connection being made (start-up, a blip) before it is answered 503. */
const CONNECT_GRACE_MS = 250;

function unavailable(): DroverError {
  return new DroverError('redis_unavailable', 'Redis is not connected.', { retryable: true });
}

/**
 * Whether Redis can answer now. Drover's connection queues commands while
 * Redis is down and sends them when it returns, so a request that simply
 * awaited them would hang (Alertmanager saw no answer after a minute). The
 * HTTP entry points ask here first and answer 503 at once instead.
 */
export class RedisAvailability {
  constructor(private readonly redis: Pick<Redis, 'status' | 'once' | 'off'>) {}

  get up(): boolean {
    return this.redis.status === 'ready';
  }

  /** Whether Redis is connected, waiting a moment for a connection being made. */
  async ready(graceMs = CONNECT_GRACE_MS): Promise<boolean> {
    if (this.up) return true;
    let onReady = (): void => undefined;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      onReady = resolve;
      timer = setTimeout(resolve, graceMs);
      this.redis.once('ready', onReady);
    });
    clearTimeout(timer);
    this.redis.off('ready', onReady);
    return this.up;
  }

  /**
   * Runs `work` only while Redis is connected, and stops waiting for it
   * (redis_unavailable) as soon as the connection drops. Work cut short this
   * way is finished by its commands when Redis returns, or not at all: the
   * callers' steps are idempotent, and the client retries.
   */
  async guard<T>(work: () => Promise<T>): Promise<T> {
    if (!(await this.ready())) throw unavailable();
    let dropped = (): void => undefined;
    const lost = new Promise<never>((_, reject) => {
      dropped = () => reject(unavailable());
      this.redis.once('close', dropped);
    });
    try {
      return await Promise.race([work(), lost]);
    } finally {
      this.redis.off('close', dropped);
    }
  }
}

/** 503 with Retry-After, for a request that cannot be taken while Redis is down. */
export function answerUnavailable(res: ServerResponse, body: Record<string, unknown>): void {
  if (res.headersSent) return;
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': String(RETRY_AFTER_SECONDS) }).end(`${JSON.stringify(body)}\n`);
}
