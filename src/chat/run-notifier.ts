import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RedisScript } from '../redis-script.js';
import type { Logger } from 'pino';
import { isTerminal, type RunState, type StoredRunEvent } from '../jobs/run-record.js';
import type { RunStore } from '../jobs/run-store.js';
import type { Redactor } from '../redact/redactor.js';
import { runMessage, threadMessage } from './blocks/index.js';
import type { ChatSink } from './chat-sink.js';
import type { ChatMessage } from './types.js';

interface Thread {
  runId: string;
  channel: string;
  /** ts of the run's parent message. */
  ts: string;
  /** Last event id written to chat; a restarted notifier resumes after it. */
  after: string;
  /** State the parent message shows. */
  shown?: RunState;
  /** Mrkdwn kept above the run in the parent message (an alert announcement's facts). */
  lead?: string;
}

interface Live extends Thread {
  /** Last event id read (events between `after` and `cursor` are buffered). */
  cursor: string;
  buffer: StoredRunEvent[];
}

// Take a thread if nobody follows it, or keep it if we do.
const CLAIM = new RedisScript(`
local owner = redis.call('GET', KEYS[1])
if (not owner) or owner == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`);

export interface RunNotifierOptions {
  redis: Redis;
  prefix: string;
  store: RunStore;
  sink: ChatSink;
  /** Every message is redacted on its way to the sink; the run is redacted before it is rendered (a cut can hide a secret from the rules). */
  redactor: Redactor;
  logger: Logger;
  /** Least time between two messages to one channel (Slack allows about one per second). */
  minIntervalMs?: number;
  /** How long one read waits for new events. */
  blockMs?: number;
  /**
   * While true (chat requests arriving or waiting for their answers), the
   * notifier neither reads nor writes, for at most `maxHoldMs` without a
   * pause: reading every followed run's new events and rendering them cost
   * the acknowledgements of a burst their time.
   */
  holdWhile?: () => boolean;
  maxHoldMs?: number;
}

/** How often a held notifier looks again. */
const HOLD_RECHECK_MS = 5;

/**
 * Writes each followed run into its chat thread: steps, reports and plan diffs
 * as replies, the parent message updated with the state. Events are read from
 * the runs' Redis streams and coalesced, at most one message per channel per
 * interval. Threads are recorded in Redis, so a restarted (or another)
 * Drover instance carries on where this one stopped, without posting twice.
 */
/** The largest event shown; an agent cluster's runs' events are written by its agent. */
const MAX_EVENT_CHARS = 64 * 1024;

/**
 * A stored event, or undefined when it is not one (skipped: one run's
 * unreadable event, from an agent that writes its own runs' streams, must not
 * stop every thread); an oversized one is shown as a report saying so.
 */
function readEvent(raw: string | undefined): Omit<StoredRunEvent, 'id'> | undefined {
  if (!raw) return undefined;
  if (raw.length > MAX_EVENT_CHARS) return { type: 'report', text: `(an event of ${raw.length} characters, not shown)`, time: '' } as Omit<StoredRunEvent, 'id'>;
  try {
    const event = JSON.parse(raw) as unknown;
    return event && typeof event === 'object' && typeof (event as { type?: unknown }).type === 'string' ? (event as Omit<StoredRunEvent, 'id'>) : undefined;
  } catch {
    return undefined;
  }
}

export class RunNotifier {
  private readonly threads = new Map<string, Live>();
  private readonly lastSent = new Map<string, number>();
  private readonly blocking: Redis;
  private readonly key: string;
  private readonly instance = randomBytes(6).toString('hex');
  private running = false;
  private loop: Promise<void> | undefined;
  private lastSync = 0;

  constructor(private readonly options: RunNotifierOptions) {
    this.blocking = options.redis.duplicate({ enableAutoPipelining: false });
    this.key = `${options.prefix}:chat:${options.sink.name}:threads`;
  }

  /**
   * Starts following a run whose parent message is `ts` in `channel`. With
   * `claim: false` (a process that does not run the notifier, the CLI) the
   * thread is only recorded, for a running notifier to adopt.
   */
  async follow(runId: string, channel: string, ts: string, shown?: RunState, options: { claim?: boolean; lead?: string } = {}): Promise<void> {
    const thread: Thread = { runId, channel, ts, after: '0', ...(shown ? { shown } : {}), ...(options.lead ? { lead: options.lead } : {}) };
    await this.options.redis.hset(this.key, runId, JSON.stringify(thread));
    if (options.claim === false) return;
    if (await this.claim(runId)) this.threads.set(runId, { ...thread, cursor: '0', buffer: [] });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.blocking.disconnect();
    await this.loop?.catch(() => undefined);
    await this.flush(true).catch(() => undefined);
  }

  private async claim(runId: string): Promise<boolean> {
    const owned = await CLAIM.run(this.options.redis, [`${this.key}:owner:${runId}`], [this.instance, 30_000]);
    return owned === 1;
  }

  /** Adopts threads recorded in Redis that no live instance follows (after a restart); renews our claims. */
  private async sync(): Promise<void> {
    const all = await this.options.redis.hgetall(this.key);
    for (const [runId, raw] of Object.entries(all)) {
      if (!(await this.claim(runId))) {
        this.threads.delete(runId);
        continue;
      }
      if (!this.threads.has(runId)) {
        const t = JSON.parse(raw) as Thread;
        this.threads.set(runId, { ...t, cursor: t.after, buffer: [] });
      }
    }
  }

  /** Waits while `holdWhile` says requests are being answered, at most `maxHoldMs` (500) in a row. */
  private async quiet(): Promise<void> {
    const { holdWhile, maxHoldMs = 500 } = this.options;
    if (!holdWhile) return;
    const started = Date.now();
    while (this.running && holdWhile() && Date.now() - started < maxHoldMs) await new Promise((r) => setTimeout(r, HOLD_RECHECK_MS));
  }

  private async run(): Promise<void> {
    const { logger } = this.options;
    while (this.running) {
      try {
        await this.quiet();
        if (Date.now() - this.lastSync > 5000) {
          this.lastSync = Date.now();
          await this.sync();
        }
        const live = [...this.threads.values()];
        if (!live.length) {
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        const keys = live.map((t) => `${this.options.prefix}:run:${t.runId}:events`);
        const reply = await this.blocking.xread('COUNT', 200, 'BLOCK', this.options.blockMs ?? 250, 'STREAMS', ...keys, ...live.map((t) => t.cursor));
        await this.quiet();
        for (const [key, entries] of reply ?? []) {
          const thread = live[keys.indexOf(key)];
          if (!thread) continue;
          for (const [id, fields] of entries) {
            const event = readEvent(fields[1]);
            if (event) thread.buffer.push({ ...event, id } as StoredRunEvent);
            thread.cursor = id;
          }
        }
        await this.flush(false);
      } catch (err) {
        if (!this.running) return;
        // One run's events key made into another type (its agent writes it) fails the read of every thread: drop that thread.
        if (err instanceof Error && err.message.startsWith('WRONGTYPE')) {
          await this.dropUnreadable().catch(() => undefined);
          continue;
        }
        logger.warn({ err }, 'run notifier: read failed; retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /** Writes buffered events, at most one message per channel per interval (all of them when `force`). */
  private async flush(force: boolean): Promise<void> {
    const interval = this.options.minIntervalMs ?? 1000;
    const now = Date.now();
    const doneChannels = new Set<string>();
    for (const thread of this.threads.values()) {
      if (doneChannels.has(thread.channel)) continue;
      if (!force && now - (this.lastSent.get(thread.channel) ?? 0) < interval) continue;
      const wrote = await this.write(thread).catch((err: unknown) => {
        this.options.logger.error({ err, runId: thread.runId, channel: thread.channel }, 'cannot write the run thread; giving up on it');
        return this.forget(thread).then(() => false);
      });
      if (wrote) {
        this.lastSent.set(thread.channel, Date.now());
        if (!force) doneChannels.add(thread.channel);
      }
    }
  }

  /** Writes one thread's buffer; true when it sent anything. */
  private async write(thread: Live): Promise<boolean> {
    const { sink, store, redactor } = this.options;
    const events = thread.buffer;
    const run = await store.get(thread.runId);
    if (!run) {
      await this.forget(thread);
      return false;
    }
    const stateChanged = run.state !== thread.shown;
    if (!events.length && !stateChanged) return false;
    const reply = events.length ? threadMessage(events) : undefined;
    if (reply) await sink.post(thread.channel, redactor.chat(reply), thread.ts);
    const planChanged = events.some((e) => e.type === 'change' || e.type === 'approval');
    if (stateChanged || planChanged) {
      const plan = await store.shownChanges(run);
      const parent = runMessage(redactor.value(run), { plan, cancellable: !isTerminal(run.state) });
      await sink.update(thread.channel, thread.ts, redactor.chat(thread.lead ? withLead(thread.lead, parent) : parent));
      thread.shown = run.state;
    }
    thread.after = thread.cursor;
    thread.buffer = [];
    if (isTerminal(run.state) && thread.cursor === (await this.lastEventId(run.id))) {
      await this.forget(thread);
    } else {
      const persisted: Thread = {
        runId: thread.runId,
        channel: thread.channel,
        ts: thread.ts,
        after: thread.after,
        ...(thread.shown ? { shown: thread.shown } : {}),
        ...(thread.lead ? { lead: thread.lead } : {}),
      };
      await this.options.redis.hset(this.key, thread.runId, JSON.stringify(persisted));
    }
    return Boolean(reply) || stateChanged || planChanged;
  }

  private async lastEventId(runId: string): Promise<string> {
    const last = await this.options.redis.xrevrange(`${this.options.prefix}:run:${runId}:events`, '+', '-', 'COUNT', 1);
    return last[0]?.[0] ?? '0';
  }

  /** Forgets the threads whose run's events key is not a stream (nor absent). */
  private async dropUnreadable(): Promise<void> {
    const live = [...this.threads.values()];
    const pipeline = this.options.redis.pipeline();
    for (const t of live) pipeline.type(`${this.options.prefix}:run:${t.runId}:events`);
    const types = (await pipeline.exec()) ?? [];
    for (const [i, thread] of live.entries()) {
      const type = types[i]?.[1];
      if (type !== 'stream' && type !== 'none') {
        this.options.logger.warn({ runId: thread.runId, type }, 'run notifier: the run\'s events are not a stream; giving up on its thread');
        await this.forget(thread);
      }
    }
  }

  private async forget(thread: Thread): Promise<void> {
    this.threads.delete(thread.runId);
    await this.options.redis.multi().hdel(this.key, thread.runId).del(`${this.key}:owner:${thread.runId}`).exec();
  }
}

/** The parent message with its lead section first, within the block budget (the lead replaces nothing but room). */
export function withLead(lead: string, message: ChatMessage): ChatMessage {
  const blocks = message.blocks ?? [];
  const head = { type: 'section' as const, text: { type: 'mrkdwn' as const, text: lead.slice(0, 2900) } };
  // Keep the last block (the buttons) when the message is at Slack's 50-block limit.
  const room = 49;
  const body = blocks.length + 1 > room ? [...blocks.slice(0, room - 2), blocks[blocks.length - 1]!] : blocks;
  return { ...message, blocks: [head, ...body] };
}
