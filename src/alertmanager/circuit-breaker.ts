import type { Redis } from 'ioredis';
import { RedisScript } from '../redis-script.js';

// Checks and records one automatic run atomically, so two deliveries racing
// cannot both slip under a cap. Scores are times (ms); members run ids.
const CHECK_AND_RECORD = new RedisScript(`
if KEYS[3] ~= '' and not redis.call('SET', KEYS[3], '1', 'PX', ARGV[8], 'NX') then return {'duplicate', 0} end
local now = tonumber(ARGV[1])
local window, maxRuns, cooldown = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local clusterWindow, clusterMax = tonumber(ARGV[5]), tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - math.max(window, cooldown))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - clusterWindow)
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] and now - tonumber(last[2]) < cooldown then return {'cooldown', math.ceil(tonumber(last[2]) + cooldown - now)} end
if redis.call('ZCOUNT', KEYS[1], now - window, '+inf') >= maxRuns then
  local oldest = redis.call('ZRANGEBYSCORE', KEYS[1], now - window, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  return {'target-cap', math.ceil(tonumber(oldest[2]) + window - now)}
end
if redis.call('ZCARD', KEYS[2]) >= clusterMax then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {'cluster-cap', math.ceil(tonumber(oldest[2]) + clusterWindow - now)}
end
redis.call('ZADD', KEYS[1], now, ARGV[7])
redis.call('ZADD', KEYS[2], now, ARGV[7])
redis.call('PEXPIRE', KEYS[1], math.max(window, cooldown))
redis.call('PEXPIRE', KEYS[2], clusterWindow)
return {'ok', 0}
`);

export interface BreakerLimits {
  maxRuns: number;
  windowMs: number;
  cooldownMs: number;
  clusterMaxRuns: number;
  clusterWindowMs: number;
}

export type BreakerVerdict =
  | { open: false }
  | { open: true; reason: 'cooldown' | 'target-cap' | 'cluster-cap'; retryInMs: number; recent: Array<{ runId: string; at: number }> };

/**
 * Circuit breakers for automatic remediation: per runbook and target, at most
 * `maxRuns` runs per window and a cooldown after each; per cluster, a global cap.
 * An open breaker means people, not automation, handle the alert.
 */
export class CircuitBreakers {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private keys(cluster: string, runbook: string, target: string): [string, string] {
    return [`${this.prefix}:breaker:${cluster}:${runbook}:${target}`, `${this.prefix}:breaker:${cluster}`];
  }

  /**
   * Admits a run (recording it) or says why the breaker is open. With `claim`,
   * first claims that key (SET NX, kept `claimMs`) in the same atomic step, and
   * answers `duplicate` if it was already claimed.
   */
  async admit(
    cluster: string,
    runbook: string,
    target: string,
    runId: string,
    limits: BreakerLimits,
    options: { now?: number; claim?: { key: string; ms: number } } = {},
  ): Promise<BreakerVerdict | { open: false; duplicate: true }> {
    const [targetKey, clusterKey] = this.keys(cluster, runbook, target);
    const now = options.now ?? Date.now();
    const [verdict, retryIn] = (await CHECK_AND_RECORD.run(
      this.redis,
      [targetKey, clusterKey, options.claim?.key ?? ''],
      [now, limits.windowMs, limits.maxRuns, limits.cooldownMs, limits.clusterWindowMs, limits.clusterMaxRuns, runId, options.claim?.ms ?? 0],
    )) as [string, number];
    if (verdict === 'duplicate') return { open: false, duplicate: true };
    if (verdict === 'ok') return { open: false };
    const recent = await this.recent(verdict === 'cluster-cap' ? clusterKey : targetKey);
    return { open: true, reason: verdict as 'cooldown' | 'target-cap' | 'cluster-cap', retryInMs: Number(retryIn), recent };
  }

  /** Gives back a slot admitted for a run that was then not enqueued (Redis trouble), so it does not count. */
  async release(cluster: string, runbook: string, target: string, runId: string): Promise<void> {
    const [targetKey, clusterKey] = this.keys(cluster, runbook, target);
    await this.redis.multi().zrem(targetKey, runId).zrem(clusterKey, runId).exec();
  }

  private async recent(key: string): Promise<Array<{ runId: string; at: number }>> {
    const flat = await this.redis.zrange(key, -10, -1, 'WITHSCORES');
    const out: Array<{ runId: string; at: number }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ runId: flat[i] as string, at: Number(flat[i + 1]) });
    return out;
  }
}
