import type { Redis } from 'ioredis';
import type { ScheduleFireOutcome } from '../audit/events.js';

/** The last fire of a schedule on one cluster, as `drover schedules` shows it. */
export interface LastFire {
  /** When it was due (ISO 8601). */
  scheduledAt: string;
  /** When Drover handled it (ISO 8601). */
  at: string;
  outcome: ScheduleFireOutcome;
  runId?: string;
  reason?: string;
}

/**
 * What Drover remembers of each schedule, one Redis hash per schedule:
 * per cluster, the last run it started (overlaps are checked against it) and
 * its last fire, whatever came of it.
 */
export class ScheduleState {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(scheduleId: string): string {
    return `${this.prefix}:schedule:${scheduleId}`;
  }

  /** Held while one fire on one cluster is decided, so two fires of one schedule never both start a run. */
  lockKey(scheduleId: string, cluster: string): string {
    return `${this.prefix}:schedule-lock:${scheduleId}|${cluster}`;
  }

  async lastRunId(scheduleId: string, cluster: string): Promise<string | undefined> {
    return (await this.redis.hget(this.key(scheduleId), `run:${cluster}`)) ?? undefined;
  }

  /** Records a fire, and the run it started if any. */
  async recordFire(scheduleId: string, cluster: string, fire: LastFire, startedRun?: string): Promise<void> {
    const fields: Record<string, string> = { [`fire:${cluster}`]: JSON.stringify(fire) };
    if (startedRun) fields[`run:${cluster}`] = startedRun;
    await this.redis.hset(this.key(scheduleId), fields);
  }

  /** Per cluster, the last fire and the last run started. */
  async read(scheduleId: string): Promise<Map<string, { fire?: LastFire; runId?: string }>> {
    const all = await this.redis.hgetall(this.key(scheduleId));
    const out = new Map<string, { fire?: LastFire; runId?: string }>();
    for (const [field, value] of Object.entries(all)) {
      const colon = field.indexOf(':');
      const kind = field.slice(0, colon);
      const cluster = field.slice(colon + 1);
      const entry = out.get(cluster) ?? {};
      if (kind === 'run') entry.runId = value;
      if (kind === 'fire') {
        try {
          entry.fire = JSON.parse(value) as LastFire;
        } catch {
          // a garbled entry shows as no fire
        }
      }
      out.set(cluster, entry);
    }
    return out;
  }

  /** Forgets a schedule that no runbook declares any more. */
  async forget(scheduleId: string): Promise<void> {
    await this.redis.del(this.key(scheduleId));
  }
}
