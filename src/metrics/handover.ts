import type { Redis } from 'ioredis';
import type { Metrics } from './metrics.js';

/**
 * Counts made by a process Prometheus never scrapes (a `drover run` or
 * `drover cancel` from the CLI, which enqueues, cancels or approves in its own
 * short-lived process) are handed to one it does, through a Redis list: the
 * CLI pushes what it counted since its last push; a serving process pops
 * entries when it is scraped and adds them to its own counters. A pop takes an
 * entry once, so with several replicas each count lands in exactly one of
 * them and sum() over the replicas is right. No process exports totals read
 * from Redis (every replica would export the same ones).
 */
export const handoverKey = (prefix: string): string => `${prefix}:metrics:handover`;

/** Entries kept when nothing is scraped for a long time; the oldest go first. */
const MAX_ENTRIES = 100_000;
const POP = 500;

interface Entry {
  /** Metric name. */
  m: string;
  /** Labels, as counted. */
  l: Record<string, string>;
  /** Increment. */
  n: number;
}

const seriesKey = (name: string, labels: Partial<Record<string, string | number>>) =>
  `${name}${JSON.stringify(Object.keys(labels).sort().map((k) => [k, String(labels[k])]))}`;

export class CountHandover {
  private readonly key: string;
  /** What was handed over so far, per series: a push sends the difference. */
  private readonly sent = new Map<string, number>();
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly metrics: Metrics,
  ) {
    this.key = handoverKey(prefix);
  }

  /** Pushes what this process counted since the last push (kept for the next one if Redis fails). */
  flush(): Promise<void> {
    // One at a time: two overlapping pushes would both send the same difference.
    this.flushing ??= this.push().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async push(): Promise<void> {
    const entries: Entry[] = [];
    const totals: Array<[string, number]> = [];
    for (const [name, counter] of Object.entries(this.metrics.counters)) {
      for (const { labels, value } of (await counter.get()).values) {
        const key = seriesKey(name, labels);
        const n = value - (this.sent.get(key) ?? 0);
        if (n <= 0) continue;
        entries.push({ m: name, l: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])), n });
        totals.push([key, value]);
      }
    }
    if (!entries.length) return;
    await this.redis
      .multi()
      .rpush(this.key, ...entries.map((e) => JSON.stringify(e)))
      .ltrim(this.key, -MAX_ENTRIES, -1)
      .exec();
    for (const [key, value] of totals) this.sent.set(key, value);
  }

  /** Pops handed-over counts into this process's counters; returns how many entries it took. */
  async drain(max = 20_000): Promise<number> {
    let taken = 0;
    while (taken < max) {
      const batch = await this.redis.lpop(this.key, POP);
      if (!batch?.length) break;
      taken += batch.length;
      for (const raw of batch) this.apply(raw);
      if (batch.length < POP) break;
    }
    return taken;
  }

  /** Adds one entry, if it names one of our counters with all its labels; anything else (a stray write) is dropped. */
  private apply(raw: string): void {
    let entry: Entry;
    try {
      entry = JSON.parse(raw) as Entry;
    } catch {
      return;
    }
    const counter = typeof entry?.m === 'string' && Object.hasOwn(this.metrics.counters, entry.m) ? this.metrics.counters[entry.m] : undefined;
    if (!counter || typeof entry.n !== 'number' || !(entry.n > 0 && entry.n <= 1_000_000) || typeof entry.l !== 'object' || entry.l === null) return;
    const allowed = new Set((counter as unknown as { labelNames: string[] }).labelNames);
    const labels = Object.entries(entry.l);
    // Every label the counter has, as the CLI always counts: a partial set would be a series of its own, mixed into the family.
    if (labels.length !== allowed.size || labels.some(([k, v]) => !allowed.has(k) || typeof v !== 'string')) return;
    try {
      counter.inc(Object.fromEntries(labels), entry.n);
    } catch {
      // prom-client refused it: not a count of ours
    }
  }
}
