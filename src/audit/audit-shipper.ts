import type { Redis } from 'ioredis';
import { withLock } from '../redis-lock.js';
import type { AuditKey } from './audit-key.js';
import { GENESIS, verifyChain } from './chain.js';
import { makeCheckpoint, type Checkpoint } from './checkpoint.js';
import type { AuditSink, SinkState } from './sink.js';
import { parseAnchor } from './verify-log.js';

export interface AuditShipperOptions {
  redis: Redis;
  /** The audit stream's key (`<prefix>:audit`). */
  streamKey: string;
  sinks: AuditSink[];
  key?: AuditKey | undefined;
  /** Least time between two checkpoints of a sink. */
  checkpointIntervalMs: number;
  now?: () => Date;
  /** Told when a sink cannot be filled (the stream does not continue it). */
  onError: (sink: string, message: string) => void;
  /** Told of each checkpoint written, e.g. to log it as a JSON line for log shipping. */
  onCheckpoint?: (checkpoint: Checkpoint, sink: string) => void;
}

const PAGE = 1000;
/** Pages copied per turn, so the lock is let go regularly. */
const PAGES_PER_TURN = 20;

/**
 * Copies the audit stream, in order, to the copies kept outside Redis. One
 * process at a time (a Redis lock) whatever the layout (servers, workers, the
 * CLI all append to the stream; whichever serving process holds the lock
 * copies), each sink from where it stands, so a copy has no gap and no
 * duplicate. Before copying, each event is checked against the copy's last
 * one (link, seq, key), so a stream rewritten in Redis is never copied over a
 * good copy. Every `checkpointIntervalMs`, a signed checkpoint follows.
 */
export class AuditShipper {
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: AuditShipperOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Copies what is new to every sink; returns how many events were copied (undefined: another process holds the lock). */
  ship(options: { checkpoint?: 'due' | 'now' } = {}): Promise<number | undefined> {
    const turn = this.running.then(() =>
      withLock(this.options.redis, `${this.options.streamKey}:ship:lock`, 60_000, async () => {
        let copied = 0;
        for (const sink of this.options.sinks) copied += await this.fill(sink, options.checkpoint ?? 'due');
        return copied;
      }),
    );
    this.running = turn.catch(() => undefined);
    return turn;
  }

  private async fill(sink: AuditSink, checkpoint: 'due' | 'now'): Promise<number> {
    const { redis, streamKey, key } = this.options;
    let state = (await sink.state()) ?? (sink.startAt === 'end' ? await this.end() : undefined);
    let copied = 0;
    for (let page = 0; page < PAGES_PER_TURN; page++) {
      const entries = await redis.xrange(streamKey, state ? `(${state.id}` : '-', '+', 'COUNT', PAGE);
      if (!entries.length) break;
      const events: Array<Record<string, unknown> & { id: string }> = entries.map(([id, fields]) => ({ ...(JSON.parse(fields[1] ?? '{}') as Record<string, unknown>), id }));
      const from = state ?? (parseAnchor(await redis.get(`${streamKey}:anchor`)) || GENESIS);
      const check = verifyChain(events, { seq: from.seq, hash: from.hash }, key);
      const good = events.slice(0, check.checked);
      if (good.length) {
        const last = good[good.length - 1] as { seq: number; hash: string; id: string };
        state = { ...state, seq: last.seq, hash: last.hash, id: last.id, first: state?.first ?? (good[0]?.seq as number) };
        await sink.write(good.map((e) => JSON.stringify({ audit: true, ...e })), state);
        copied += good.length;
      }
      if (!check.ok) {
        this.options.onError(sink.name, `the audit stream does not continue this copy at #${check.broken?.seq ?? '?'}: ${check.broken?.reason ?? ''}; copying stopped`);
        break;
      }
      if (entries.length < PAGE) break;
    }
    if (state && this.checkpointDue(state, checkpoint)) await this.checkpoint(sink, state);
    return copied;
  }

  /**
   * The stream's newest event, where a log stream starts: from there on its
   * events are checked before they are copied (trusted on first use).
   */
  private async end(): Promise<SinkState | undefined> {
    const [entry] = await this.options.redis.xrevrange(this.options.streamKey, '+', '-', 'COUNT', 1);
    if (!entry) return undefined;
    const last = JSON.parse(entry[1][1] ?? '{}') as { seq: number; hash: string };
    return { seq: last.seq, hash: last.hash, id: entry[0], first: last.seq + 1 };
  }

  private checkpointDue(state: SinkState, when: 'due' | 'now'): boolean {
    const last = state.checkpoint;
    if (!last) return true;
    if (last.seq === state.seq) return false;
    return when === 'now' || this.now().getTime() - Date.parse(last.time) >= this.options.checkpointIntervalMs;
  }

  private async checkpoint(sink: AuditSink, state: SinkState): Promise<void> {
    const time = this.now();
    const cp = makeCheckpoint({ seq: state.seq, hash: state.hash, first: state.first, time }, this.options.key);
    await sink.write([JSON.stringify(cp)], { ...state, checkpoint: { seq: cp.seq, time: cp.time } });
    this.options.onCheckpoint?.(cp, sink.name);
  }

  /** Ships every `intervalMs`. */
  start(intervalMs = 1000, onFailure: (err: unknown) => void = () => undefined): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.ship().catch(onFailure), intervalMs);
    this.timer.unref();
  }

  /** Stops, after a last turn that also writes a checkpoint of what it copied. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    // Another process may hold the lock for a moment: wait for a turn (it copies the same events otherwise).
    for (let attempt = 0; attempt < 30; attempt++) {
      const copied = await this.ship({ checkpoint: 'now' }).catch(() => 0);
      if (copied !== undefined) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
