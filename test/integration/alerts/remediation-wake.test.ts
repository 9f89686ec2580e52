import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { AuditLog } from '../../../src/audit/audit-log.js';
import { silentAnnouncer } from '../../../src/alertmanager/alert-announcer.js';
import { RemediationWatch } from '../../../src/alertmanager/remediation-watch.js';
import { WatchStore } from '../../../src/alertmanager/watch-store.js';
import type { WebhookAlert } from '../../../src/alertmanager/webhook-payload.js';
import type { RunRecord, RunState } from '../../../src/jobs/run-record.js';
import { RunStore } from '../../../src/jobs/run-store.js';
import { runWakeKey } from '../../../src/jobs/run-wake.js';
import { createMetrics } from '../../../src/metrics/metrics.js';
import { failOnce, fingerprintOf } from '../../support/alerts.js';
import { deletePrefix, redisClient, uniquePrefix, REDIS_URL } from '../../support/redis.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/redis-server.js';

const TIMEOUT_MS = 60_000;
const MARGIN_MS = 10 * 60_000;
const WATCH_FOR_MS = 60_000;

interface Harness {
  redis: Redis;
  prefix: string;
  store: RunStore;
  audit: AuditLog;
  watch: RemediationWatch;
  escalations: string[];
  close(): Promise<void>;
}

function harness(url = REDIS_URL, options: { batchSize?: number } = {}): Harness {
  const redis = redisClient(url);
  const prefix = uniquePrefix('watch');
  const store = new RunStore({ redis, prefix });
  const audit = new AuditLog({ redis, prefix });
  const escalations: string[] = [];
  const make = () =>
    new RemediationWatch({
      redis,
      prefix,
      store,
      audit,
      metrics: createMetrics(),
      announcer: () => ({
        ...silentAnnouncer,
        escalate: (_alert, headline) => {
          escalations.push(headline);
          return Promise.resolve();
        },
      }),
      logger: pino({ level: 'silent' }),
      watchForMs: WATCH_FOR_MS,
      retentionMs: 3_600_000,
      safetyMarginMs: MARGIN_MS,
      ...options,
    });
  return {
    redis,
    prefix,
    store,
    audit,
    watch: make(),
    escalations,
    async close() {
      await deletePrefix(redis, prefix);
      await redis.quit();
    },
  };
}

const alertOf = (thing: string): WebhookAlert => {
  const labels = { alertname: 'ThingBroken', thing };
  return { status: 'firing', labels, annotations: {}, startsAt: '2026-11-24T10:00:00Z', fingerprint: fingerprintOf(labels) };
};

const record = (id: string, createdAt = new Date()): RunRecord => ({
  id,
  runbook: 'fix-thing',
  cluster: 'test',
  params: {},
  dryRun: false,
  requester: { kind: 'alert', id: 'am' },
  state: 'queued',
  concurrencyKey: `thing/${id}`,
  timeoutMs: TIMEOUT_MS,
  createdAt: createdAt.toISOString(),
  attempts: 0,
});

/** Queued runs, each watched for its own alert. */
async function watched(h: Harness, ids: string[]): Promise<RunRecord[]> {
  const runs = ids.map((id) => record(id));
  await h.store.createMany(
    runs.map((r) => ({ record: r, secrets: {} })),
    60_000,
  );
  await h.watch.trackMany(runs.map((r) => ({ runId: r.id, runbook: r.runbook, alert: alertOf(r.id), createdAt: r.createdAt, timeoutMs: r.timeoutMs })));
  return runs;
}

async function end(h: Harness, id: string, state: RunState, finishedAt = new Date()): Promise<void> {
  expect(await h.store.transition(id, ['queued'], 'running', { startedAt: new Date().toISOString() })).toBeUndefined();
  const error = state === 'failed' ? { error: { code: 'runbook_refused', message: 'cannot fix that' } } : {};
  expect(await h.store.transition(id, ['running'], state, { finishedAt: finishedAt.toISOString(), ...error })).toBeUndefined();
}

const remediations = async (h: Harness, runId: string) => (await h.audit.forRun(runId)).filter((e) => e.type === 'alert.remediation');
const escalated = async (h: Harness, runId: string) => (await h.audit.forRun(runId)).filter((e) => e.type === 'alert.escalated');
const wakeOf = async (h: Harness, runId: string) => h.redis.zscore(runWakeKey(h.prefix), runId);

/** Nothing of the run is left in the watch: entry, alert index, time. */
async function forgotten(h: Harness, runId: string, thing = runId): Promise<void> {
  expect(await h.redis.hexists(`${h.prefix}:alerts:watch`, runId)).toBe(0);
  expect(await wakeOf(h, runId)).toBeNull();
  expect(await h.redis.exists(`${h.prefix}:alerts:watch:alert:${alertOf(thing).fingerprint}:${Date.parse(alertOf(thing).startsAt)}`)).toBe(0);
}

describe('the remediation watch, driven by times and events', () => {
  let h: Harness;

  beforeEach(() => {
    h = harness();
  });

  afterEach(async () => {
    await h.close();
  });

  it('a run that ends is checked at once, not at its safety deadline', async () => {
    const [run] = await watched(h, ['ends-soon']);
    const createdAt = Date.parse(run!.createdAt);
    expect(Number(await wakeOf(h, 'ends-soon'))).toBe(createdAt + TIMEOUT_MS + MARGIN_MS + 0.5);
    await h.watch.sweep();
    expect(await remediations(h, 'ends-soon')).toEqual([]);

    await end(h, 'ends-soon', 'failed');
    expect(Number(await wakeOf(h, 'ends-soon'))).toBeLessThanOrEqual(Date.now());
    await h.watch.sweep();
    expect(await remediations(h, 'ends-soon')).toEqual([expect.objectContaining({ result: 'run-failed', runId: 'ends-soon' })]);
    expect(await escalated(h, 'ends-soon')).toEqual([expect.objectContaining({ reason: 'Run ends-soon failed: cannot fix that.' })]);
    expect(h.escalations).toEqual(['ThingBroken: remediation failed']);
    await forgotten(h, 'ends-soon');
  });

  it('a resolved notification concludes "remediated" at once, without waiting for watchFor', async () => {
    await watched(h, ['resolves']);
    await end(h, 'resolves', 'succeeded');
    await h.watch.sweep();
    expect(await remediations(h, 'resolves')).toEqual([]);
    // Re-armed for the end of watchFor, not checked every tick.
    const finishedAt = Date.parse((await h.store.get('resolves'))!.finishedAt!);
    expect(Number(await wakeOf(h, 'resolves'))).toBe(finishedAt + WATCH_FOR_MS + 0.5);

    await h.watch.markResolved(alertOf('resolves'));
    expect(Number(await wakeOf(h, 'resolves'))).toBeLessThanOrEqual(Date.now());
    await h.watch.sweep();
    expect(await remediations(h, 'resolves')).toEqual([expect.objectContaining({ result: 'remediated' })]);
    expect(await escalated(h, 'resolves')).toEqual([]);
    await forgotten(h, 'resolves');
  });

  it('a succeeded run whose alert does not resolve is "not-cleared" only once watchFor has passed', async () => {
    const finished = new Date();
    await watched(h, ['stays']);
    await end(h, 'stays', 'succeeded', finished);
    await h.watch.sweep(finished.getTime() + 1000);
    await h.watch.sweep(finished.getTime() + WATCH_FOR_MS - 1);
    expect(await remediations(h, 'stays')).toEqual([]);
    await h.watch.sweep(finished.getTime() + WATCH_FOR_MS + 1);
    expect(await remediations(h, 'stays')).toEqual([expect.objectContaining({ result: 'not-cleared' })]);
    expect(h.escalations).toEqual(['ThingBroken: remediation did not clear the alert']);
    await forgotten(h, 'stays');
  });

  it('a run whose wake was lost is still concluded at its safety deadline', async () => {
    const [run] = await watched(h, ['lost']);
    const safety = Date.parse(run!.createdAt) + TIMEOUT_MS + MARGIN_MS;
    await end(h, 'lost', 'failed');
    // As if the wake had never been written.
    await h.redis.zadd(runWakeKey(h.prefix), safety + 0.5, 'lost');
    await h.watch.sweep();
    await h.watch.sweep(safety - 1);
    expect(await remediations(h, 'lost')).toEqual([]);
    await h.watch.sweep(safety + 1);
    expect(await remediations(h, 'lost')).toEqual([expect.objectContaining({ result: 'run-failed' })]);
    await forgotten(h, 'lost');
  });

  it('a run still going at its safety deadline is looked at again a timeout later, not every tick', async () => {
    const [run] = await watched(h, ['slow']);
    const safety = Date.parse(run!.createdAt) + TIMEOUT_MS + MARGIN_MS;
    await h.watch.sweep(safety + 1);
    expect(Number(await wakeOf(h, 'slow'))).toBe(safety + 1 + TIMEOUT_MS + MARGIN_MS + 0.5);
    // Its end still wakes it at once.
    await end(h, 'slow', 'failed');
    await h.watch.sweep();
    expect(await remediations(h, 'slow')).toEqual([expect.objectContaining({ result: 'run-failed' })]);
  });

  it('a run that ended before it was listed is due at once; a redelivery never postpones a check nor watches a concluded run again', async () => {
    const run = record('quick');
    await h.store.createMany([{ record: run, secrets: {} }], 60_000);
    await end(h, 'quick', 'failed');
    const item = { runId: 'quick', runbook: 'fix-thing', alert: alertOf('quick'), createdAt: run.createdAt, timeoutMs: TIMEOUT_MS };
    await h.watch.trackMany([item]);
    const due = Number(await wakeOf(h, 'quick'));
    expect(due).toBeLessThanOrEqual(Date.now());
    await h.watch.trackMany([item]);
    expect(Number(await wakeOf(h, 'quick'))).toBe(due);
    await h.watch.sweep();
    expect(await remediations(h, 'quick')).toHaveLength(1);
    // Alertmanager redelivers after the conclusion: not watched, not concluded a second time.
    expect(await h.watch.trackMany([{ ...item, silenceId: 'late-silence' }])).toEqual([undefined]);
    await forgotten(h, 'quick');
    await h.watch.sweep();
    expect(await remediations(h, 'quick')).toHaveLength(1);
  });

  it('picks up entries an older Drover wrote (hash only): scheduled and indexed on start', async () => {
    await h.store.createMany(['old-failed', 'old-ok'].map((id) => ({ record: record(id), secrets: {} })), 60_000);
    for (const id of ['old-failed', 'old-ok']) {
      await h.redis.hset(`${h.prefix}:alerts:watch`, id, JSON.stringify({ runId: id, runbook: 'fix-thing', alert: alertOf(id) }));
    }
    await end(h, 'old-failed', 'failed');
    await end(h, 'old-ok', 'succeeded');
    await h.watch.sweep();
    expect(await remediations(h, 'old-failed')).toEqual([]);

    expect(await h.watch.adopt()).toBe(2);
    expect(await h.watch.adopt()).toBe(0);
    await h.watch.sweep();
    expect(await remediations(h, 'old-failed')).toEqual([expect.objectContaining({ result: 'run-failed' })]);
    // Indexed by its alert: the resolved notification wakes it.
    await h.watch.markResolved(alertOf('old-ok'));
    await h.watch.sweep();
    expect(await remediations(h, 'old-ok')).toEqual([expect.objectContaining({ result: 'remediated' })]);
    await forgotten(h, 'old-ok');

    // An older Drover, during a rolling upgrade, watches a concluded run again: forgotten, not concluded twice.
    await h.redis.hset(`${h.prefix}:alerts:watch`, 'old-failed', JSON.stringify({ runId: 'old-failed', runbook: 'fix-thing', alert: alertOf('old-failed') }));
    expect(await h.watch.adopt()).toBe(1);
    await h.watch.sweep();
    expect(await remediations(h, 'old-failed')).toHaveLength(1);
    await forgotten(h, 'old-failed');
  });

  it('a sweep that dies after recording a conclusion loses nothing and repeats nothing in the audit log', async () => {
    await watched(h, ['crash-late', 'crash-early']);
    await end(h, 'crash-late', 'failed');
    // Dies after the audit append and the escalation, before forgetting the run.
    let restore = failOnce(WatchStore.prototype, 'settle');
    await expect(h.watch.sweep()).rejects.toThrow('Connection is closed.');
    restore();
    expect(await remediations(h, 'crash-late')).toHaveLength(1);
    await h.watch.sweep();
    expect(await remediations(h, 'crash-late')).toHaveLength(1);
    expect(await escalated(h, 'crash-late')).toHaveLength(1);
    // The escalation is repeated rather than lost.
    expect(h.escalations).toHaveLength(2);
    await forgotten(h, 'crash-late');

    // Dies before the audit append: the event waits in the audit outbox for its drain, the run's end is not recorded twice.
    await end(h, 'crash-early', 'failed');
    restore = failOnce(h.audit, 'appendMany');
    await expect(h.watch.sweep()).rejects.toThrow('Connection is closed.');
    restore();
    expect(await remediations(h, 'crash-early')).toEqual([]);
    await h.watch.sweep();
    await forgotten(h, 'crash-early');
    expect(await h.audit.outbox.drain(new Date(Date.now() + 1000))).toBe(2);
    expect(await remediations(h, 'crash-early')).toHaveLength(1);
    expect(await escalated(h, 'crash-early')).toHaveLength(1);
    await h.watch.sweep();
    expect(await remediations(h, 'crash-early')).toHaveLength(1);
  });

  it('two instances sweeping at once conclude a run once', async () => {
    const other = new RemediationWatch({
      redis: h.redis,
      prefix: h.prefix,
      store: h.store,
      audit: h.audit,
      metrics: createMetrics(),
      announcer: () => silentAnnouncer,
      logger: pino({ level: 'silent' }),
      watchForMs: WATCH_FOR_MS,
      retentionMs: 3_600_000,
    });
    const ids = Array.from({ length: 20 }, (_, i) => `both-${i}`);
    await watched(h, ids);
    for (const id of ids) await end(h, id, 'failed');
    await Promise.all([h.watch.sweep(), other.sweep(), h.watch.sweep(), other.sweep()]);
    await h.watch.sweep();
    for (const id of ids) expect(await remediations(h, id)).toHaveLength(1);
  });

  it('works through more due runs than a batch', async () => {
    const small = harness(REDIS_URL, { batchSize: 7 });
    try {
      const ids = Array.from({ length: 30 }, (_, i) => `many-${i}`);
      await watched(small, ids);
      for (const id of ids) await end(small, id, 'failed');
      await small.watch.sweep();
      for (const id of ids) expect(await remediations(small, id)).toHaveLength(1);
      expect(await small.redis.zcard(runWakeKey(small.prefix))).toBe(0);
    } finally {
      await small.close();
    }
  });
});

describe('the cost of the remediation watch', () => {
  let server: PrivateRedis;
  let h: Harness;
  let stats: Redis;

  beforeAll(async () => {
    server = await startPrivateRedis();
    h = harness(server.url);
    stats = redisClient(server.url);
  }, 20_000);

  afterAll(async () => {
    await h?.close();
    await stats?.quit();
    await server?.stop();
  }, 20_000);

  /** Commands Redis ran since the last call, by name (commands run by scripts included; INFO itself left out). */
  let last: Record<string, number> = {};
  async function commands(): Promise<Record<string, number>> {
    const now: Record<string, number> = {};
    for (const match of (await stats.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) now[match[1]!] = Number(match[2]);
    const delta: Record<string, number> = {};
    for (const [name, calls] of Object.entries(now)) if (name !== 'info' && calls !== (last[name] ?? 0)) delta[name] = calls - (last[name] ?? 0);
    last = now;
    return delta;
  }
  const total = (delta: Record<string, number>) => Object.values(delta).reduce((a, b) => a + b, 0);

  it('with 100 runs watched and nothing changing, N sweeps cost at most N commands', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `idle-${i}`);
    await watched(h, ids);
    await h.watch.sweep();
    await commands();
    const sweeps = 50;
    for (let i = 0; i < sweeps; i++) await h.watch.sweep();
    const idle = await commands();
    expect(total(idle)).toBeLessThanOrEqual(sweeps);
    expect(idle).toEqual({ zrangebyscore: sweeps });

    // One run ends: the sweep reads that run, not the hundred.
    await end(h, 'idle-7', 'failed');
    await commands();
    await h.watch.sweep();
    const busy = await commands();
    expect(busy.hgetall).toBe(1);
    expect(total(busy)).toBeLessThan(50);
    expect(await remediations(h, 'idle-7')).toHaveLength(1);
  }, 20_000);
});
