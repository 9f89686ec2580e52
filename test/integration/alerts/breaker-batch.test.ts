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

  const lease = { claimMs, leaseMs: 1000 };

  it('keeps claims pending until their outcome is recorded: a retry resumes without counting its run twice; once committed, a repeat is a duplicate', async () => {
    const once = { ...limits, maxRuns: 1 };
    const f = { claimKey: `${prefix}:claim:r1`, run: { cluster: 'c', runbook: 'rb', target: 't', runId: 'r1', limits: once } };
    expect(await breakers.admitMany([f], { claimMs, now: t0 })).toEqual([{ duplicate: false, resumed: false, breaker: { open: false } }]);
    // The delivery failed before deciding: its retry is admitted again, not stopped by its own first attempt.
    expect(await breakers.admitMany([f], { claimMs, now: t0 + 5 })).toEqual([{ duplicate: false, resumed: true, breaker: { open: false } }]);
    expect(await redis.zcard(`${prefix}:breaker:c:rb:t`)).toBe(1);
    const decision = await breakers.decide([f.claimKey], { ...lease, now: t0 + 6 });
    expect(decision.late).toEqual([false]);
    // While it records the outcome, a repeat is a duplicate, and a second delivery deciding the same claim learns it came second.
    expect(await breakers.admitMany([f], { claimMs, now: t0 + 7 })).toEqual([{ duplicate: true }]);
    expect((await breakers.decide([f.claimKey], { ...lease, now: t0 + 8 })).late).toEqual([true]);
    await breakers.commit(decision, claimMs);
    // Settled: a duplicate for good, the lease no longer matters.
    expect(await breakers.admitMany([f], { claimMs, now: t0 + 60_000 })).toEqual([{ duplicate: true }]);
    expect((await breakers.decide([f.claimKey], { ...lease, now: t0 + 60_000 })).late).toEqual([true]);
    expect(await redis.get(f.claimKey)).toBe('1');
    expect(await redis.pttl(f.claimKey)).toBeGreaterThan(claimMs - 1000);
  });

  it('a decision whose outcome could not be recorded is released, or lapses with its lease: the claim is pending again', async () => {
    const f = firing('r1');
    await breakers.admitMany([f], { claimMs, now: t0 });
    const failed = await breakers.decide([f.claimKey], { ...lease, now: t0 + 1 });
    await breakers.release(failed, claimMs);
    expect(await breakers.admitMany([f], { claimMs, now: t0 + 2 })).toEqual([{ duplicate: false, resumed: true, breaker: { open: false } }]);
    // A delivery that died while recording and could not release: its decision holds until its lease lapses.
    const died = await breakers.decide([f.claimKey], { ...lease, now: t0 + 3 });
    expect(died.late).toEqual([false]);
    expect(await breakers.admitMany([f], { claimMs, now: t0 + 500 })).toEqual([{ duplicate: true }]);
    expect(await breakers.admitMany([f], { claimMs, now: t0 + 1004 })).toEqual([{ duplicate: false, resumed: true, breaker: { open: false } }]);
    const retry = await breakers.decide([f.claimKey], { ...lease, now: t0 + 1005 });
    expect(retry.late).toEqual([false]);
    // The late one's commit or release no longer touches a claim another delivery decided.
    await breakers.commit(died, claimMs);
    await breakers.release(died, claimMs);
    expect(await redis.get(f.claimKey)).toBe(retry.mark);
    await breakers.commit(retry, claimMs);
    expect(await redis.get(f.claimKey)).toBe('1');
    expect(await redis.zcard(`${prefix}:breaker:c:rb:t`)).toBe(1);
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
    // Deciding in order makes the first occurrence the one that counts.
    const decision = await breakers.decide([alone.claimKey, `${prefix}:claim:r1`, alone.claimKey, `${prefix}:claim:r1`], { ...lease, now: t0 });
    expect(decision.late).toEqual([false, false, true, true]);
    expect(decision.claimKeys).toEqual([alone.claimKey, `${prefix}:claim:r1`]);
  });
});
