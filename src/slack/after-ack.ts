/**
 * Work that follows an acknowledgement. Under a burst (an incident channel
 * full of commands) it must not starve the acknowledgements of the requests
 * still arriving: tasks start from setImmediate, so pending I/O is served
 * first, and at most `concurrency` run at once.
 */
export class AfterAck {
  private running = 0;
  private readonly waiting: Array<() => Promise<void>> = [];
  private idleResolvers: Array<() => void> = [];

  constructor(
    private readonly onError: (err: unknown) => void,
    private readonly concurrency = 8,
  ) {}

  push(task: () => Promise<void>): void {
    this.waiting.push(task);
    setImmediate(() => this.pump());
  }

  /** Resolves when no task is queued or running (for shutdown). */
  idle(): Promise<void> {
    if (!this.running && !this.waiting.length) return Promise.resolve();
    return new Promise((resolve) => this.idleResolvers.push(resolve));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length) {
      const task = this.waiting.shift() as () => Promise<void>;
      this.running++;
      void task()
        .catch(this.onError)
        .finally(() => {
          this.running--;
          if (this.waiting.length) setImmediate(() => this.pump());
          else if (!this.running) for (const resolve of this.idleResolvers.splice(0)) resolve();
        });
    }
  }
}
