import type { Redis } from 'ioredis';
import { AuditLog } from '../../../src/audit/audit-log.js';
import { auditKey } from '../../../src/audit/audit-key.js';
import { AuditVerifier } from '../../../src/metrics/audit-verifier.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';

const key = auditKey('audit-verifier-retention-key-0123456789');
const cancel = (i: number) => ({ type: 'run.cancel.requested' as const, runId: `r${i}`, actor: { kind: 'cli' as const, id: 'alice@laptop' } });

// The periodic verification against a real Redis stream under retention: no
// false alarm while retention trims the front, however the reads interleave;
// the front removed by someone else is seen at the next check, not a day later.
describe('periodic audit verification and retention', () => {
  let redis: Redis;
  let prefix: string;
  let now: number;
  let audit: AuditLog;
  const results: Array<{ result: string; detail: unknown }> = [];
  const ranges: string[] = [];

  const verifier = (fullEveryMs?: number) =>
    new AuditVerifier({
      redis,
      keys: { stream: audit.key, head: audit.headKey, anchor: audit.anchorKey },
      key,
      now: () => now,
      ...(fullEveryMs !== undefined ? { fullEveryMs } : {}),
      onResult: (result, detail) => results.push({ result, detail }),
    });

  beforeEach(() => {
    redis = redisClient();
    prefix = uniquePrefix('audit-retention');
    now = Date.parse('2026-12-01T00:00:00Z');
    audit = new AuditLog({ redis, prefix, maxLength: 100, key, now: () => new Date(now) });
    results.length = 0;
    ranges.length = 0;
    const xrange = redis.xrange.bind(redis) as (...args: unknown[]) => Promise<unknown>;
    (redis as unknown as { xrange: (...args: unknown[]) => Promise<unknown> }).xrange = (...args: unknown[]) => {
      if (args[0] === audit.key) ranges.push(String(args[1]));
      return xrange(...args);
    };
  });

  afterEach(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('reports no break while appends trim the front during whole checks', async () => {
    const v = verifier(0); // every check a whole one: the reads most exposed to retention
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) await audit.append(cancel(i));
    })();
    const until = Date.now() + 1500;
    while (Date.now() < until) await v.verify();
    stop = true;
    await writer;
    expect(await redis.xlen(audit.key)).toBe(100);
    expect(results.length).toBeGreaterThan(20);
    expect(results.filter((r) => r.result !== 'ok')).toEqual([]);
  });

  it('reports no break after retention by age (audit.maxAge) between checks', async () => {
    // Retention by age compares stream ids, which Redis stamps with its own clock.
    audit = new AuditLog({ redis, prefix, maxLength: 1000, key });
    const v = verifier();
    const pause = () => new Promise((r) => setTimeout(r, 20));
    const ageOf = (since: number) => Date.now() - since;
    for (let i = 0; i < 20; i++) await audit.append(cancel(i));
    await pause();
    const first = Date.now();
    await pause();
    for (let i = 20; i < 30; i++) await audit.append(cancel(i));
    await v.verify();
    // The 20 oldest go, the last one verified stays.
    expect(await audit.prune(ageOf(first))).toBe(20);
    await audit.append(cancel(99));
    await v.verify();
    // Then everything the last check saw goes too: the next check is a whole one, and still good.
    await pause();
    const second = Date.now();
    await pause();
    await audit.append(cancel(100));
    expect(await audit.prune(ageOf(second))).toBe(11);
    await v.verify();
    expect(results.map((r) => r.result)).toEqual(['ok', 'ok', 'ok']);
  });

  it('sees the oldest events removed without re-anchoring at the next check, which reads only the front and the new events', async () => {
    const v = verifier();
    for (let i = 0; i < 20; i++) await audit.append(cancel(i));
    await v.verify();
    await audit.append(cancel(20));
    await v.verify();
    expect(results.map((r) => r.result)).toEqual(['ok', 'ok']);
    const oldest = await redis.xrange(audit.key, '-', '+', 'COUNT', 3);
    await redis.xdel(audit.key, ...oldest.map(([id]) => id));
    ranges.length = 0;
    await v.verify();
    expect(results[2]?.result).toBe('broken');
    const detail = results[2]?.detail as { ok: boolean; broken?: { seq?: number; reason: string } };
    expect(detail.ok).toBe(false);
    expect(detail.broken?.seq).toBe(4);
    expect(detail.broken?.reason).toContain('missing before event 4');
    // Incremental: no read of the whole log from its beginning but the one event at the front (in the MULTI, not through xrange()).
    expect(ranges.every((start) => start !== '-')).toBe(true);
  });

  it('keeps an incremental check cheap on a large log', async () => {
    const big = new AuditLog({ redis, prefix, maxLength: 1_000_000, key, now: () => new Date(now) });
    audit = big;
    const v = verifier();
    for (let i = 0; i < 12_000; i += 500) await Promise.all(Array.from({ length: 500 }, (_, j) => big.append(cancel(i + j))));
    expect(await redis.xlen(big.key)).toBe(12_000);
    let t = performance.now();
    await v.verify();
    const whole = performance.now() - t;
    for (let i = 0; i < 10; i++) await big.append(cancel(20_000 + i));
    ranges.length = 0;
    t = performance.now();
    await v.verify();
    const incremental = performance.now() - t;
    expect(results.map((r) => r.result)).toEqual(['ok', 'ok']);
    expect((results[1]?.detail as { checked: number }).checked).toBe(10);
    // Shared CI machines: generous bounds, an order of magnitude apart.
    expect(whole).toBeLessThan(5000);
    expect(incremental).toBeLessThan(Math.max(50, whole / 5));
  });
});
