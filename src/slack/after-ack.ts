import { context } from '@opentelemetry/api';
/** How long the work may be held back while requests keep arriving without a pause: sustained traffic still gets its work done. */
export const MAX_HOLD_MS = 500;
/** How long a task may wait in all, held or not: under back-to-back bursts, the oldest work still goes on. */
export const MAX_WAIT_MS = 2000;
/** How often held work checks again whether the requests have been answered. */
const RECHECK_MS = 2;

export interface AfterAckOptions {
  /** Tasks running at once. */
  concurrency?: number;
  /**
   * While true (requests arriving or waiting for their answers), no task
   * starts, unless it has held the work `maxHoldMs` without a pause, or the
   * next task has waited `maxWaitMs`.
   */
  holdWhile?: () => boolean;
  maxHoldMs?: number;
  maxWaitMs?: number;
  now?: () => number;
}

interface Waiting {
  task: () => Promise<void>;
  since: number;
}

/**
 * Work that follows an acknowledgement. Under a burst (an incident channel
 * full of commands) it must not starve the acknowledgements of the requests
 * still arriving: tasks start from setImmediate, so pending I/O is served
 * first; none starts while `holdWhile` says requests are still being answered
 * (within the bounds above), so a burst's answers all go out before its work
 * starts; and at most `concurrency` run at once. Every task pushed runs, in
 * order of arrival.
 */
export class AfterAck {
  private running = 0;
  private readonly waiting: Waiting[] = [];
  private idleResolvers: Array<() => void> = [];
  private pumpQueued = false;
  private recheck: NodeJS.Timeout | undefined;
  /** When the current hold began (undefined while not holding). */
  private holdingSince: number | undefined;
  private readonly concurrency: number;
  private readonly holdWhile: () => boolean;
  private readonly maxHoldMs: number;
  private readonly maxWaitMs: number;
  private readonly now: () => number;

  constructor(
    private readonly onError: (err: unknown) => void,
    options: AfterAckOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 8;
    this.holdWhile = options.holdWhile ?? (() => false);
    this.maxHoldMs = options.maxHoldMs ?? MAX_HOLD_MS;
    this.maxWaitMs = options.maxWaitMs ?? MAX_WAIT_MS;
    this.now = options.now ?? (() => performance.now());
  }

  push(task: () => Promise<void>): void {
    // Run in the context of the request that queued it (its trace), not of whichever request starts it; a no-op without tracing.
    this.waiting.push({ task: context.bind(context.active(), task), since: this.now() });
    this.schedule();
  }

  /** Resolves when no task is queued or running (for shutdown). */
  idle(): Promise<void> {
    if (!this.running && !this.waiting.length) return Promise.resolve();
    return new Promise((resolve) => this.idleResolvers.push(resolve));
  }

  /**
   * Waits for the tasks to finish, at most `timeoutMs` (a task waiting for a
   * Redis that does not come back must not hold a shutdown past its grace
   * period); how many were still queued or running then.
   */
  async drain(timeoutMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const idle = await Promise.race([
      this.idle().then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
    return idle ? 0 : this.running + this.waiting.length;
  }

  private schedule(): void {
    if (this.pumpQueued || this.recheck) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  /** Whether the next task must wait for the requests to be answered. */
  private held(next: Waiting): boolean {
    if (!this.holdWhile()) {
      this.holdingSince = undefined;
      return false;
    }
    const now = this.now();
    this.holdingSince ??= now;
    return now - this.holdingSince < this.maxHoldMs && now - next.since < this.maxWaitMs;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length) {
      const next = this.waiting[0] as Waiting;
      if (this.held(next)) {
        this.recheck ??= setTimeout(() => {
          this.recheck = undefined;
          this.pump();
        }, RECHECK_MS);
        return;
      }
      this.waiting.shift();
      this.running++;
      void Promise.resolve()
        .then(next.task)
        .catch(this.onError)
        .finally(() => {
          this.running--;
          if (this.waiting.length) this.schedule();
          else if (!this.running) for (const resolve of this.idleResolvers.splice(0)) resolve();
        });
    }
  }
}
