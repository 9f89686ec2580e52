/** The calls the fake answered, and waiting for one to arrive. */
import type { RecordedCall } from './types.js';

interface Waiter {
  method: string;
  predicate: (call: RecordedCall) => boolean;
  resolve: (call: RecordedCall) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

const SUMMARY_ARGS = ['channel', 'ts', 'thread_ts', 'user', 'trigger_id', 'view_id', 'usergroup'];

/** One line per call for timeout messages: `chat.postMessage channel=C1 text="hi" -> not_in_channel`. */
export function summarize(call: RecordedCall): string {
  const parts = [call.method];
  for (const key of SUMMARY_ARGS) {
    const value = call.args[key];
    if (typeof value === 'string') parts.push(`${key}=${value}`);
  }
  const text = call.args.text;
  if (typeof text === 'string') parts.push(`text=${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}`);
  const error = call.response.error;
  const outcome = call.response.ok === true ? 'ok' : typeof error === 'string' ? error : 'not ok';
  return `${parts.join(' ')} -> ${call.status === 200 ? '' : `HTTP ${call.status} `}${outcome}`;
}

export class CallLog {
  private readonly log: RecordedCall[] = [];
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly maxCalls = 10_000) {}

  record(call: RecordedCall): void {
    this.log.push(call);
    if (this.log.length > this.maxCalls) this.log.splice(0, this.log.length - this.maxCalls);
    for (const waiter of [...this.waiters]) {
      if (waiter.method === call.method && waiter.predicate(call)) this.settle(waiter, () => waiter.resolve(call));
    }
  }

  calls(method?: string): RecordedCall[] {
    return method === undefined ? [...this.log] : this.log.filter((c) => c.method === method);
  }

  clear(): void {
    this.log.length = 0;
  }

  waitFor(method: string, predicate: (call: RecordedCall) => boolean = () => true, timeoutMs = 5000): Promise<RecordedCall> {
    const seen = this.log.find((c) => c.method === method && predicate(c));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        method,
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => this.settle(waiter, () => reject(this.timeoutError(method, timeoutMs))), timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Rejects every pending waitFor: the fake is stopping and nothing more will arrive. */
  abandon(reason: string): void {
    for (const waiter of [...this.waiters]) this.settle(waiter, () => waiter.reject(new Error(`slack fake: ${reason}`)));
  }

  private settle(waiter: Waiter, finish: () => void): void {
    clearTimeout(waiter.timer);
    this.waiters.delete(waiter);
    finish();
  }

  private timeoutError(method: string, timeoutMs: number): Error {
    const seen = this.log.map((c) => `  ${summarize(c)}`);
    const list = seen.length === 0 ? ' none' : `\n${seen.join('\n')}`;
    return new Error(`slack fake: no matching ${method} call within ${timeoutMs} ms; calls so far:${list}`);
  }
}
