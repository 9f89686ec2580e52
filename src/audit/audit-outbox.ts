import type { Redis } from 'ioredis';
import { withLock } from '../redis-lock.js';
import type { AuditEventBody } from './events.js';

/** What the outbox needs of the audit log. */
interface Appender {
  append(event: AuditEventBody, options: { release: string }): Promise<unknown>;
  appendMany(events: AuditEventBody[], options: { release: string[] }): Promise<unknown>;
}

/** An audit event written by the same atomic step as the change it records. */
export interface OutboxEntry {
  field: string;
  event: AuditEventBody;
}

/** The outbox's key; scripts that change state write `{t: ms, e: event}` under a field of it in the same step. */
export function auditOutboxKey(prefix: string): string {
  return `${prefix}:audit:outbox`;
}

/**
 * Audit events that must not go missing: the script that makes a change (an
 * approval counted, a run finished) also leaves its event here, so a process
 * that dies before appending it leaves it for `drain`. The append lets go of
 * the entry in the same atomic step, so an event is appended once: a
 * delivery and a drain racing may both append it only if both read it first.
 */
export class AuditOutbox {
  readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly audit: Appender,
  ) {
    this.key = auditOutboxKey(prefix);
  }

  /** Leaves an event here before the change it records, in case the process dies before `deliver`. */
  async hold(entry: OutboxEntry, now = new Date()): Promise<void> {
    await this.redis.hset(this.key, entry.field, JSON.stringify({ t: now.getTime(), e: entry.event }));
  }

  /** Appends an entry's event (which may replace the one held under its field) and lets go of it, in one step. */
  async deliver(entry: OutboxEntry): Promise<void> {
    await this.audit.append(entry.event, { release: entry.field });
  }

  /**
   * Appends, oldest first, the events left behind before `before` (their
   * process died); how many. One drainer at a time across Drover instances, so
   * two serving processes never append the same event twice.
   */
  async drain(before: Date): Promise<number> {
    return (await withLock(this.redis, `${this.key}:lock`, 30_000, () => this.drainHeld(before))) ?? 0;
  }

  private async drainHeld(before: Date): Promise<number> {
    const left = Object.entries(await this.redis.hgetall(this.key))
      .map(([field, raw]) => ({ field, ...(JSON.parse(raw) as { t: number; e: AuditEventBody }) }))
      .filter((entry) => entry.t < before.getTime())
      .sort((a, b) => a.t - b.t);
    if (!left.length) return 0;
    await this.audit.appendMany(
      left.map((entry) => entry.e),
      { release: left.map((entry) => entry.field) },
    );
    return left.length;
  }
}
