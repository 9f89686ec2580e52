/** How long a task may be held back while requests keep arriving: sustained traffic still gets its work done. */
export const MAX_HOLD_MS = 500;
/** How often a held task checks again whether the requests have been answered. */
const RECHECK_MS = 2;

export interface AfterAckOptions {
  /** Tasks running at once. */
  concurrency?: number;
  /**
   * While true (requests arriving or waiting for their answers), no task
   * starts, unless the oldest has waited `maxHoldMs`.
   */
  holdWhile?: () => boolean;
  maxHoldMs?: number;
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
 * first, none starts while `holdWhile` says requests are still being answered
 * (for at most `maxHoldMs`), and at most `concurrency` run at once. Every task
 * pushed runs, in order of arrival.
 */
export class AfterAck {
  private running = 0;
  private readonly waiting: Waiting[] = [];
  private idleResolvers: Array<() => void> = [];
  private pumpQueued = false;
  private recheck: NodeJS.Timeout | undefined;
  private readonly concurrency: number;
  private readonly holdWhile: () => boolean;
  private readonly maxHoldMs: number;
  private readonly now: () => number;

  constructor(
    private readonly onError: (err: unknown) => void,
    options: AfterAckOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 8;
    this.holdWhile = options.holdWhile ?? (() => false);
    this.maxHoldMs = options.maxHoldMs ?? MAX_HOLD_MS;
    this.now = options.now ?? (() => performance.now());
  }

  push(task: () => Promise<void>): void {
    this.waiting.push({ task, since: this.now() });
    this.schedule();
  }

  /** Resolves when no task is queued or running (for shutdown). */
  idle(): Promise<void> {
    if (!this.running && !this.waiting.length) return Promise.resolve();
    return new Promise((resolve) => this.idleResolvers.push(resolve));
  }

  private schedule(): void {
    if (this.pumpQueued || this.recheck) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length) {
      const head = this.waiting[0] as Waiting;
      if (this.now() - head.since < this.maxHoldMs && this.holdWhile()) {
        this.recheck ??= setTimeout(() => {
          this.recheck = undefined;
          this.pump();
        }, RECHECK_MS);
        return;
      }
      this.waiting.shift();
      this.running++;
      void Promise.resolve()
        .then(head.task)
        .catch(this.onError)
        .finally(() => {
          this.running--;
          if (this.waiting.length) this.schedule();
          else if (!this.running) for (const resolve of this.idleResolvers.splice(0)) resolve();
        });
    }
  }
}
