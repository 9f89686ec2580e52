import type { Redis } from 'ioredis';
import { CircuitBreakers, type BatchFiring } from '../../../src/alertmanager/circuit-breaker.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';

describe('circuit breakers for a batch of firings (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let breakers: CircuitBreakers;
  const limits = { maxRuns: 2, windowMs: 60_000, cooldownMs: 0, clusterMaxRuns: 3, clusterWindowMs: 60_000 };
  const t0 = 1_800_000_000_000;
  const claimMs = 60_000;

  beforeEach(() => {
    redis = redisClient();
    prefix = uniquePrefix('breaker-batch');
    breakers = new CircuitBreakers(redis, prefix);
  });

  afterEach(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  const firing = (runId: string, target = 't', cluster = 'c'): BatchFiring => ({ claimKey: `${prefix}:claim:${runId}`, run: { cluster, runbook: 'rb', target, runId, limits } });

  it('admits in order, as single admissions would, and says why the rest are stopped', async () => {
    const verdicts = await breakers.admitMany([firing('r1'), firing('r2'), firing('r3'), firing('r4', 'other'), firing('r5', 'third')], { claimMs, now: t0 });
    expect(verdicts.map((v) => !v.duplicate && v.breaker?.open)).toEqual([false, false, true, false, true]);
    expect(verdicts[2]).toMatchObject({ duplicate: false, resumed: false, breaker: { open: true, reason: 'target-cap', retryInMs: 60_000 } });
    expect(verdicts[2]?.duplicate === false && verdicts[2].breaker?.open && verdicts[2].breaker.recent.map((r) => r.runId)).toEqual(['r1', 'r2']);
    expect(verdicts[4]).toMatchObject({ breaker: { open: true, reason: 'cluster-cap' } });
    // A later batch sees what this one recorded.
    expect(await breakers.admitMany([firing('r6', 'other')], { claimMs, now: t0 + 1 })).toMatchObject([{ breaker: { open: true, reason: 'cluster-cap' } }]);
  });

  it('keeps claims pending until settled: a retry resumes without counting its run twice; after settling, a repeat is a duplicate', async () => {
    const once = { ...limits, maxRuns: 1 };
    const f = { claimKey: `${prefix}:claim:r1`, run: { cluster: 'c', runbook: 'rb', target: 't', runId: 'r1', limits: once } };
    expect(await breakers.admitMany([f], { claimMs, now: t0 })).toEqual([{ duplicate: false, resumed: false, breaker: { open: false } }]);
    // The delivery failed before settling: its retry is admitted again, not stopped by its own first attempt.
    expect(await breakers.admitMany([f], { claimMs, now: t0 + 5 })).toEqual([{ duplicate: false, resumed: true, breaker: { open: false } }]);
    expect(await redis.zcard(`${prefix}:breaker:c:rb:t`)).toBe(1);
    expect(await breakers.settle([f.claimKey], claimMs)).toEqual([false]);
    expect(await breakers.admitMany([f], { claimMs, now: t0 + 10 })).toEqual([{ duplicate: true }]);
    // A second delivery settling the same claim learns it came second.
    expect(await breakers.settle([f.claimKey], claimMs)).toEqual([true]);
    expect(await redis.pttl(f.claimKey)).toBeGreaterThan(claimMs - 1000);
  });

  it('claims firings that end without a run, and counts a repeat within the batch as the same firing', async () => {
    const alone = { claimKey: `${prefix}:claim:x` };
    const verdicts = await breakers.admitMany([alone, firing('r1'), alone, firing('r1')], { claimMs, now: t0 });
    expect(verdicts).toEqual([
      { duplicate: false, resumed: false },
      { duplicate: false, resumed: false, breaker: { open: false } },
      { duplicate: false, resumed: true },
      { duplicate: false, resumed: true, breaker: { open: false } },
    ]);
    // Settling in order makes the first occurrence the one that counts.
    expect(await breakers.settle([alone.claimKey, `${prefix}:claim:r1`, alone.claimKey, `${prefix}:claim:r1`], claimMs)).toEqual([false, false, true, true]);
  });
});
