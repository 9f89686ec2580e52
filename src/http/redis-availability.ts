import type { ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import { DroverError } from '../errors.js';

/** Seconds a client is told to wait (Retry-After) while Redis is down. */
export const RETRY_AFTER_SECONDS = 5;

/** How long a request waits for a connection being made (start-up, a blip) before it is answered 503. */
const CONNECT_GRACE_MS = 250;

function unavailable(): DroverError {
  return new DroverError('redis_unavailable', 'Redis is not connected.', { retryable: true });
}

/** The connection's next drop, awaited by the guarded calls in progress. */
interface Loss {
  promise: Promise<never>;
  users: number;
  dropped: () => void;
}

/**
 * Whether Redis can answer now. Drover's connection queues commands while
 * Redis is down and sends them when it returns, so a request that simply
 * awaited them would hang (Alertmanager saw no answer after a minute). The
 * HTTP entry points ask here first and answer 503 at once instead.
 */
export class RedisAvailability {
  private loss: Loss | undefined;

  constructor(private readonly redis: Pick<Redis, 'status' | 'once' | 'off'>) {}

  get up(): boolean {
    return this.redis.status === 'ready';
  }

  /** Whether Redis is connected, waiting a moment for a connection being made. */
  async ready(graceMs = CONNECT_GRACE_MS): Promise<boolean> {
    if (this.up) return true;
    let onReady = (): void => undefined;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      onReady = resolve;
      timer = setTimeout(resolve, graceMs);
      this.redis.once('ready', onReady);
    });
    clearTimeout(timer);
    this.redis.off('ready', onReady);
    return this.up;
  }

  /**
   * Runs `work` only while Redis is connected, and stops waiting for it
   * (redis_unavailable) as soon as the connection drops. Work cut short this
   * way is finished by its commands when Redis returns, or not at all: the
   * callers' steps are idempotent, and the client retries.
   */
  async guard<T>(work: () => Promise<T>): Promise<T> {
    // Connected: no wait (this runs for every request of a burst).
    if (!this.up && !(await this.ready())) throw unavailable();
    const lost = this.watchLoss();
    try {
      return await Promise.race([work(), lost.promise]);
    } finally {
      lost.release();
    }
  }

  /**
   * One 'close' listener shared by every guarded call in progress (a burst of
   * requests added one each, and Node warned of a listener leak past ten).
   */
  private watchLoss(): { promise: Promise<never>; release: () => void } {
    const loss = this.loss ?? this.newLoss();
    loss.users++;
    return {
      promise: loss.promise,
      release: () => {
        if (--loss.users > 0 || this.loss !== loss) return;
        this.redis.off('close', loss.dropped);
        this.loss = undefined;
      },
    };
  }

  private newLoss(): Loss {
    let reject: (err: Error) => void = () => undefined;
    const promise = new Promise<never>((_, r) => {
      reject = r;
    });
    promise.catch(() => undefined); // a loss no call is waiting on is no error
    const loss: Loss = {
      promise,
      users: 0,
      dropped: () => {
        if (this.loss === loss) this.loss = undefined;
        reject(unavailable());
      },
    };
    this.redis.once('close', loss.dropped);
    this.loss = loss;
    return loss;
  }
}

/** 503 with Retry-After, for a request that cannot be taken while Redis is down. */
export function answerUnavailable(res: ServerResponse, body: Record<string, unknown>): void {
  if (res.headersSent) return;
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': String(RETRY_AFTER_SECONDS) }).end(`${JSON.stringify(body)}\n`);
}
