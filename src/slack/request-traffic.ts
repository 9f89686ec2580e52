import type { RequestListener } from 'node:http';

/**
 * Quiet this long after the last request arrived before a burst counts as
 * over. A burst's requests can come in waves (a client descheduled on a busy
 * machine paused 20-50 ms between them); the work after the acks starts this
 * much later, which nobody reading Slack notices.
 */
export const QUIET_MS = 50;

/**
 * Whether Slack's requests are arriving or waiting for their answers: the
 * work after an acknowledgement waits while they are (see AfterAck), so that
 * under a burst every answer goes out before the heavy work starts.
 */
export class RequestTraffic {
  private inFlight = 0;
  private lastArrival = -Infinity;

  constructor(
    private readonly quietMs = QUIET_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Counts each request from its arrival until its response is done (or its connection lost). */
  track(listener: RequestListener): RequestListener {
    return (req, res) => {
      this.inFlight++;
      this.lastArrival = this.now();
      res.once('close', () => {
        this.inFlight--;
      });
      listener(req, res);
    };
  }

  /** True while a request waits for its answer, or one arrived within the quiet period. */
  busy(): boolean {
    return this.inFlight > 0 || this.now() - this.lastArrival < this.quietMs;
  }
}
