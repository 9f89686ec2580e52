import type { Redis } from 'ioredis';
import { CircuitBreakers } from '../../../src/alertmanager/circuit-breaker.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';

describe('circuit breaker arithmetic (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let breakers: CircuitBreakers;
  const limits = { maxRuns: 2, windowMs: 60_000, cooldownMs: 10_000, clusterMaxRuns: 3, clusterWindowMs: 60_000 };
  const t0 = 1_800_000_000_000;

  beforeEach(() => {
    redis = redisClient();
    prefix = uniquePrefix('breaker');
    breakers = new CircuitBreakers(redis, prefix);
  });

  afterEach(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it('applies the cooldown, then the per-target cap within the window, then lets runs through again', async () => {
    expect(await breakers.admit('c', 'rb', 'pod/a', 'r1', limits, { now: t0 })).toEqual({ open: false });
    expect(await breakers.admit('c', 'rb', 'pod/a', 'r2', limits, { now: t0 + 5_000 })).toMatchObject({ open: true, reason: 'cooldown', retryInMs: 5_000 });
    expect(await breakers.admit('c', 'rb', 'pod/a', 'r2', limits, { now: t0 + 11_000 })).toEqual({ open: false });
    const capped = await breakers.admit('c', 'rb', 'pod/a', 'r3', limits, { now: t0 + 30_000 });
    expect(capped).toMatchObject({ open: true, reason: 'target-cap', retryInMs: 30_000 });
    expect('recent' in capped && capped.recent.map((r) => r.runId)).toEqual(['r1', 'r2']);
    // Another target of the same runbook is not held up by this one.
    expect(await breakers.admit('c', 'rb', 'pod/b', 'r4', limits, { now: t0 + 30_000 })).toEqual({ open: false });
    expect(await breakers.admit('c', 'rb', 'pod/a', 'r5', limits, { now: t0 + 61_000 })).toEqual({ open: false });
  });

  it('caps automatic runs per cluster across runbooks and targets', async () => {
    for (const [i, target] of ['a', 'b', 'c'].entries()) {
      expect(await breakers.admit('prod', `rb${i}`, target, `r${i}`, limits, { now: t0 + i })).toEqual({ open: false });
    }
    expect(await breakers.admit('prod', 'rb9', 'z', 'r9', limits, { now: t0 + 10 })).toMatchObject({ open: true, reason: 'cluster-cap' });
    expect(await breakers.admit('staging', 'rb9', 'z', 'r9', limits, { now: t0 + 10 })).toEqual({ open: false });
  });

  it('claims a firing once, and a released slot no longer counts', async () => {
    const claim = { key: `${prefix}:claim:x`, ms: 60_000 };
    expect(await breakers.admit('c', 'rb', 't', 'r1', { ...limits, cooldownMs: 0, maxRuns: 1 }, { now: t0, claim })).toEqual({ open: false });
    expect(await breakers.admit('c', 'rb', 't', 'r1', { ...limits, cooldownMs: 0, maxRuns: 1 }, { now: t0, claim })).toEqual({ open: false, duplicate: true });
    expect(await breakers.admit('c', 'rb', 't', 'r2', { ...limits, cooldownMs: 0, maxRuns: 1 }, { now: t0 + 1 })).toMatchObject({ open: true, reason: 'target-cap' });
    await breakers.release('c', 'rb', 't', 'r1');
    expect(await breakers.admit('c', 'rb', 't', 'r2', { ...limits, cooldownMs: 0, maxRuns: 1 }, { now: t0 + 2 })).toEqual({ open: false });
  });
});
