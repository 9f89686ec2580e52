import type { Redis } from 'ioredis';
import { RedisScript } from '../redis-script.js';

// Checks and records one automatic run, so two deliveries racing cannot both
// slip under a cap. Scores are times (ms); members run ids. Part of the batch
// script below, which runs atomically.
const CHECK_AND_RECORD_FN = `
local function check_and_record(targetKey, clusterKey, now, window, maxRuns, cooldown, clusterWindow, clusterMax, runId)
  redis.call('ZREMRANGEBYSCORE', targetKey, '-inf', now - math.max(window, cooldown))
  redis.call('ZREMRANGEBYSCORE', clusterKey, '-inf', now - clusterWindow)
  local last = redis.call('ZRANGE', targetKey, -1, -1, 'WITHSCORES')
  if last[2] and now - tonumber(last[2]) < cooldown then return 'cooldown', math.ceil(tonumber(last[2]) + cooldown - now) end
  if redis.call('ZCOUNT', targetKey, now - window, '+inf') >= maxRuns then
    local oldest = redis.call('ZRANGEBYSCORE', targetKey, now - window, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
    return 'target-cap', math.ceil(tonumber(oldest[2]) + window - now)
  end
  if redis.call('ZCARD', clusterKey) >= clusterMax then
    local oldest = redis.call('ZRANGE', clusterKey, 0, 0, 'WITHSCORES')
    return 'cluster-cap', math.ceil(tonumber(oldest[2]) + clusterWindow - now)
  end
  redis.call('ZADD', targetKey, now, runId)
  redis.call('ZADD', clusterKey, now, runId)
  redis.call('PEXPIRE', targetKey, math.max(window, cooldown))
  redis.call('PEXPIRE', clusterKey, clusterWindow)
  return 'ok', 0
end
`;

// A batch of firings, in order, as one atomic step. Each claims its key: absent
// → 'p' (pending until settled); '1' (settled) → duplicate; 'p' → resumed (a
// delivery that failed midway, or one still in flight). A run id the breaker
// already recorded is admitted again without counting twice, so a retry
// completes what a failed delivery began. ARGV: now, claimMs, breaker key
// prefix, then the firings as one JSON array (one argument, cheap to send) of
// [claimKey] or [claimKey, cluster, runbook, target, runId, window, maxRuns, cooldown, clusterWindow, clusterMax].
const ADMIT_MANY = new RedisScript(`${CHECK_AND_RECORD_FN}
local now, claimMs, prefix = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local out = {}
for i, f in ipairs(cjson.decode(ARGV[4])) do
  local claim = redis.call('GET', f[1])
  if claim and claim ~= 'p' then
    out[i] = {'duplicate', 0, 0}
  else
    if not claim then redis.call('SET', f[1], 'p', 'PX', claimMs) end
    local resumed = claim and 1 or 0
    if not f[2] then
      out[i] = {'claimed', 0, resumed}
    else
      local clusterKey = prefix .. f[2]
      local targetKey = clusterKey .. ':' .. f[3] .. ':' .. f[4]
      if redis.call('ZSCORE', targetKey, f[5]) then
        out[i] = {'ok', 0, resumed}
      else
        local verdict, retryIn = check_and_record(targetKey, clusterKey, now, f[6], f[7], f[8], f[9], f[10], f[5])
        if verdict == 'ok' then
          out[i] = {verdict, 0, resumed}
        else
          out[i] = {verdict, retryIn, resumed, redis.call('ZRANGE', verdict == 'cluster-cap' and clusterKey or targetKey, -10, -1, 'WITHSCORES')}
        end
      end
    end
  end
end
return out
`);

// Settles claims in order: answers, per key, 1 if another delivery settled it first.
const SETTLE = new RedisScript(`
local out = {}
for i = 1, #KEYS do
  out[i] = redis.call('GET', KEYS[i]) == '1' and 1 or 0
  redis.call('SET', KEYS[i], '1', 'PX', ARGV[1])
end
return out
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

/** One firing of a batch: its claim key, and the run the breaker should admit (none for a firing that ends without a run). */
export interface BatchFiring {
  claimKey: string;
  run?: { cluster: string; runbook: string; target: string; runId: string; limits: BreakerLimits };
}

/** What became of a firing of a batch: a duplicate, or claimed (`resumed` when a failed or concurrent delivery had claimed it) and, for a run, the breaker's verdict. */
export type BatchVerdict = { duplicate: true } | { duplicate: false; resumed: boolean; breaker?: BreakerVerdict };

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

  /**
   * Claims and admits a batch of firings in one atomic step, in order (a later
   * firing sees the runs admitted before it). A claim stays pending until
   * `settle`, so a delivery that fails midway leaves nothing that would make
   * its retry a duplicate: the retry resumes, and a run already admitted is
   * not counted again.
   */
  async admitMany(firings: BatchFiring[], options: { claimMs: number; now?: number }): Promise<BatchVerdict[]> {
    if (!firings.length) return [];
    const batch = firings.map(({ claimKey, run }) =>
      run
        ? [claimKey, run.cluster, run.runbook, run.target, run.runId, run.limits.windowMs, run.limits.maxRuns, run.limits.cooldownMs, run.limits.clusterWindowMs, run.limits.clusterMaxRuns]
        : [claimKey],
    );
    const replies = (await ADMIT_MANY.run(this.redis, [], [options.now ?? Date.now(), options.claimMs, `${this.prefix}:breaker:`, JSON.stringify(batch)])) as Array<[string, number, number, string[]?]>;
    return replies.map(([verdict, retryIn, resumed, flat]): BatchVerdict => {
      if (verdict === 'duplicate') return { duplicate: true };
      if (verdict === 'claimed') return { duplicate: false, resumed: resumed === 1 };
      if (verdict === 'ok') return { duplicate: false, resumed: resumed === 1, breaker: { open: false } };
      const recent = pairs(flat ?? []);
      return { duplicate: false, resumed: resumed === 1, breaker: { open: true, reason: verdict as 'cooldown' | 'target-cap' | 'cluster-cap', retryInMs: Number(retryIn), recent } };
    });
  }

  /**
   * Marks claims of `admitMany` as done, once their outcome is decided, so that
   * repeats are duplicates. Per key, true when another delivery had settled it
   * first (this one is then the duplicate).
   */
  async settle(claimKeys: string[], claimMs: number): Promise<boolean[]> {
    if (!claimKeys.length) return [];
    return ((await SETTLE.run(this.redis, claimKeys, [claimMs])) as number[]).map((n) => n === 1);
  }
}

function pairs(flat: string[]): Array<{ runId: string; at: number }> {
  const out: Array<{ runId: string; at: number }> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ runId: flat[i] as string, at: Number(flat[i + 1]) });
  return out;
}
