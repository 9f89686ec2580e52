import type { Redis } from 'ioredis';

/**
 * Slack delivers events at least once and retries (X-Slack-Retry-Num) when an
 * answer is slow or lost. Remembering each event id for an hour makes the
 * handling of an event happen once, whichever Drover instance gets it.
 */
export class EventDedupe {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds = 3600,
  ) {}

  /** True the first time an id is seen. */
  async first(id: string): Promise<boolean> {
    return (await this.redis.set(`${this.prefix}:slack:seen:${id}`, '1', 'EX', this.ttlSeconds, 'NX')) === 'OK';
  }
}
