import type { Redis } from 'ioredis';
import { CircuitBreakers, type BreakerLimits, type BreakerVerdict } from '../../../src/alertmanager/circuit-breaker.js';
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

  /** One firing through the batch path (the one the intake uses), with a claim of its own. */
  let claims = 0;
  async function admit(cluster: string, runbook: string, target: string, runId: string, l: BreakerLimits, now: number): Promise<BreakerVerdict | undefined> {
    const [verdict] = await breakers.admitMany([{ claimKey: `${prefix}:claim:${++claims}`, run: { cluster, runbook, target, runId, limits: l } }], { claimMs: 60_000, now });
    return verdict && !verdict.duplicate ? verdict.breaker : undefined;
  }

  it('applies the cooldown, then the per-target cap within the window, then lets runs through again', async () => {
    expect(await admit('c', 'rb', 'pod/a', 'r1', limits, t0)).toEqual({ open: false });
    expect(await admit('c', 'rb', 'pod/a', 'r2', limits, t0 + 5_000)).toMatchObject({ open: true, reason: 'cooldown', retryInMs: 5_000 });
    expect(await admit('c', 'rb', 'pod/a', 'r2', limits, t0 + 11_000)).toEqual({ open: false });
    const capped = await admit('c', 'rb', 'pod/a', 'r3', limits, t0 + 30_000);
    expect(capped).toMatchObject({ open: true, reason: 'target-cap', retryInMs: 30_000 });
    expect(capped?.open && capped.recent.map((r) => r.runId)).toEqual(['r1', 'r2']);
    // Another target of the same runbook is not held up by this one.
    expect(await admit('c', 'rb', 'pod/b', 'r4', limits, t0 + 30_000)).toEqual({ open: false });
    expect(await admit('c', 'rb', 'pod/a', 'r5', limits, t0 + 61_000)).toEqual({ open: false });
  });

  it('caps automatic runs per cluster across runbooks and targets', async () => {
    for (const [i, target] of ['a', 'b', 'c'].entries()) {
      expect(await admit('prod', `rb${i}`, target, `r${i}`, limits, t0 + i)).toEqual({ open: false });
    }
    expect(await admit('prod', 'rb9', 'z', 'r9', limits, t0 + 10)).toMatchObject({ open: true, reason: 'cluster-cap' });
    expect(await admit('staging', 'rb9', 'z', 'r9', limits, t0 + 10)).toEqual({ open: false });
  });
});
