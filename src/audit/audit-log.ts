import type { Redis } from 'ioredis';
import type { AuditEvent, AuditEventBody } from './events.js';

export interface AuditReadOptions {
  /** Stream id or time (ms) to start after; default: the beginning. */
  after?: string;
  count?: number;
}

export interface AuditLogOptions {
  redis: Redis;
  /** Redis key prefix, e.g. `drover`. */
  prefix: string;
  /** Approximate number of events kept. */
  maxLength?: number;
  now?: () => Date;
  /** Called for each appended event, e.g. to mirror it to stdout. */
  mirror?: (event: AuditEvent) => void;
}

/**
 * Append-only record of what Drover did, in a Redis Stream. One JSON field per
 * entry so events keep their types when read back.
 */
export class AuditLog {
  readonly key: string;
  private readonly redis: Redis;
  private readonly maxLength: number;
  private readonly now: () => Date;
  private readonly mirror: ((event: AuditEvent) => void) | undefined;

  constructor(options: AuditLogOptions) {
    this.redis = options.redis;
    this.key = `${options.prefix}:audit`;
    this.maxLength = options.maxLength ?? 1_000_000;
    this.now = options.now ?? (() => new Date());
    this.mirror = options.mirror;
  }

  async append(body: AuditEventBody): Promise<AuditEvent> {
    const event = { v: 1, time: this.now().toISOString(), ...body } as AuditEvent;
    const id = await this.redis.xadd(this.key, 'MAXLEN', '~', String(this.maxLength), '*', 'e', JSON.stringify(event));
    const stored = { ...event, id: id ?? undefined } as AuditEvent;
    this.mirror?.(stored);
    return stored;
  }

  /** Events in order, oldest first. */
  async read(options: AuditReadOptions = {}): Promise<AuditEvent[]> {
    const start = options.after ? `(${options.after}` : '-';
    const entries = options.count
      ? await this.redis.xrange(this.key, start, '+', 'COUNT', options.count)
      : await this.redis.xrange(this.key, start, '+');
    return entries.map(([id, fields]) => ({ ...(JSON.parse(fields[1] ?? '{}') as AuditEvent), id }));
  }

  /** Events about one run, oldest first. */
  async forRun(runId: string): Promise<AuditEvent[]> {
    return (await this.read()).filter((e) => 'runId' in e && e.runId === runId);
  }
}
