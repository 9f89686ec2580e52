import { Queue, type ConnectionOptions, type JobSchedulerJson } from 'bullmq';
import type { ScheduleSpec } from './schedule-spec.js';

/** The template data of each scheduled job: which schedule, at which definition. */
export interface ScheduleJobData {
  schedule: string;
  hash: string;
}

export const SCHEDULE_QUEUE = 'schedules';

/** What reconciling changed in BullMQ's job schedulers. */
export interface ReconcileResult {
  added: string[];
  updated: string[];
  removed: string[];
  unchanged: string[];
}

/**
 * The runbooks' schedules as BullMQ job schedulers, one per schedule, on a
 * queue of their own: each fire is a job whose worker asks for the runs.
 */
export class ScheduleScheduler {
  readonly queue: Queue<ScheduleJobData>;

  constructor(options: { connection: ConnectionOptions; prefix: string; queueName?: string; onError?: (err: Error) => void }) {
    this.queue = new Queue<ScheduleJobData>(options.queueName ?? SCHEDULE_QUEUE, { connection: options.connection, prefix: `${options.prefix}:q` });
    this.queue.on('error', options.onError ?? (() => undefined));
  }

  /**
   * Makes the job schedulers match `specs`: new ones added, changed ones
   * replaced (their next fire computed afresh), ones no runbook declares any
   * more removed. An unchanged schedule is left alone, so its pending fire
   * (perhaps overdue, while Drover was down) stays; several processes
   * starting at once all find the same and change nothing twice.
   */
  async reconcile(specs: ScheduleSpec[]): Promise<ReconcileResult> {
    const existing = new Map((await this.queue.getJobSchedulers(0, -1)).map((s) => [s.key, s]));
    const result: ReconcileResult = { added: [], updated: [], removed: [], unchanged: [] };
    for (const spec of specs) {
      const found = existing.get(spec.id);
      existing.delete(spec.id);
      if (found && found.template?.data?.hash === spec.hash && found.next !== undefined && found.next !== null) {
        result.unchanged.push(spec.id);
        continue;
      }
      await this.queue.upsertJobScheduler(
        spec.id,
        { pattern: spec.cron, tz: spec.timeZone },
        // A fire that failed (Redis away a moment) is tried again: its run id is the same, so it never makes two runs.
        { name: spec.runbook, data: { schedule: spec.id, hash: spec.hash }, opts: { attempts: 3, backoff: { type: 'fixed', delay: 2000 }, removeOnComplete: { count: 50 }, removeOnFail: { count: 50 } } },
      );
      (found ? result.updated : result.added).push(spec.id);
    }
    for (const id of existing.keys()) {
      await this.queue.removeJobScheduler(id);
      result.removed.push(id);
    }
    return result;
  }

  /** The job scheduler of a schedule, with its next fire, if one is registered. */
  get(id: string): Promise<JobSchedulerJson<ScheduleJobData> | undefined> {
    return this.queue.getJobScheduler(id);
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
