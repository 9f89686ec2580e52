/**
 * Injected faults, consumed in order per method: rate limits (HTTP 429 with
 * Retry-After), platform errors (HTTP 200 `{ ok: false, error }`) and an
 * outage (HTTP 503, as Slack's edge answers when the Web API is down).
 */
export type Fault = { kind: 'rate_limit'; retryAfterSeconds: number } | { kind: 'error'; error: string } | { kind: 'unavailable' };

interface QueuedFault {
  method: string;
  fault: Fault;
  remaining: number;
}

/** Matches every method. */
export const ANY_METHOD = '*';

export class FaultQueue {
  private readonly queue: QueuedFault[] = [];

  add(method: string, fault: Fault, times = 1): void {
    if (!Number.isInteger(times) || times < 1) throw new Error(`slack fake: times must be a positive integer, got ${times}`);
    this.queue.push({ method, fault, remaining: times });
  }

  /** The first queued fault for `method`, counting one use of it. */
  take(method: string): Fault | undefined {
    const index = this.queue.findIndex((q) => q.method === method || q.method === ANY_METHOD);
    const queued = this.queue[index];
    if (!queued) return undefined;
    queued.remaining -= 1;
    if (queued.remaining === 0) this.queue.splice(index, 1);
    return queued.fault;
  }

  clear(): void {
    this.queue.length = 0;
  }
}
