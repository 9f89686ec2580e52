import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RedisScript } from '../redis-script.js';

// A claim key holds 'p' (claimed, outcome not decided), 'd:<deadline ms>:<token>'
// (delivery <token> decided the outcome and is recording it) or '1' (settled:
// recorded). A decision past its deadline is a delivery that died before it
// could record or release it: the claim is pending again.
const DECIDING_FN = `
local function deciding(claim, now)
  if not claim or string.sub(claim, 1, 2) ~= 'd:' then return false end
  return (tonumber(string.match(claim, '^d:(%d+):')) or 0) > now
end
`;

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
// → 'p' (pending until settled); '1' (settled), or being decided by another
// delivery → duplicate; 'p' or a lapsed decision → resumed (a delivery that
// failed midway, or one still in flight). A run id the breaker already
// recorded is admitted again without counting twice, so a retry completes
// what a failed delivery began. ARGV: now, claimMs, breaker key prefix, then
// the firings as one JSON array (one argument, cheap to send) of
// [claimKey] or [claimKey, cluster, runbook, target, runId, window, maxRuns, cooldown, clusterWindow, clusterMax].
const ADMIT_MANY = new RedisScript(`${CHECK_AND_RECORD_FN}${DECIDING_FN}
local now, claimMs, prefix = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local out = {}
for i, f in ipairs(cjson.decode(ARGV[4])) do
  local claim = redis.call('GET', f[1])
  if claim == '1' or deciding(claim, now) then
    out[i] = {'duplicate', 0, 0}
  else
    if claim ~= 'p' then redis.call('SET', f[1], 'p', 'PX', claimMs) end
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

// Decides claims in order: answers, per key, 1 if another delivery (or an
// earlier repeat in this batch) settled it or is deciding it; else marks it as
// decided by this delivery (ARGV[3]) until the deadline. ARGV: claimMs, now, mark.
const DECIDE = new RedisScript(`${DECIDING_FN}
local now = tonumber(ARGV[2])
local out = {}
for i = 1, #KEYS do
  local claim = redis.call('GET', KEYS[i])
  if claim == '1' or deciding(claim, now) then
    out[i] = 1
  else
    out[i] = 0
    redis.call('SET', KEYS[i], ARGV[3], 'PX', ARGV[1])
  end
end
return out
`);

// Ends this delivery's decisions (mark ARGV[1]): '1' once the outcomes are
// recorded, 'p' when they could not be. A claim no longer holding the mark is
// left alone. ARGV: mark, new value, claimMs.
const END_DECISION = new RedisScript(`
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('SET', KEYS[i], ARGV[2], 'PX', ARGV[3]) end
end
return 0
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

/** Claims one delivery decided: it records their outcomes, then commits them (or releases them when it cannot). */
export interface Decision {
  /** Per key given to `decide`, true when another delivery decides it (this one is then the duplicate). */
  late: boolean[];
  /** The keys this delivery decided. */
  claimKeys: string[];
  mark: string;
}

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
   * firing sees the runs admitted before it). A claim stays pending until its
   * outcome is recorded (`decide`, then `commit`), so a delivery that fails
   * midway leaves nothing that would make its retry a duplicate: the retry
   * resumes, and a run already admitted is not counted again.
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
   * Picks the one delivery that records the outcome of each claim of
   * `admitMany`: the first to decide it. Its decision holds for `leaseMs`: time
   * enough to record the outcomes and `commit`, or to `release` the claims
   * when it cannot; a delivery that died meanwhile leaves its claims pending
   * again once the lease lapses.
   */
  async decide(claimKeys: string[], options: { claimMs: number; leaseMs: number; now?: number }): Promise<Decision> {
    const now = options.now ?? Date.now();
    const mark = `d:${now + options.leaseMs}:${randomBytes(8).toString('hex')}`;
    if (!claimKeys.length) return { late: [], claimKeys: [], mark };
    const late = ((await DECIDE.run(this.redis, claimKeys, [options.claimMs, now, mark])) as number[]).map((n) => n === 1);
    return { late, claimKeys: claimKeys.filter((_, i) => !late[i]), mark };
  }

  /** Settles a decision's claims once their outcomes are recorded: from now on their repeats are duplicates. */
  async commit(decision: Decision, claimMs: number): Promise<void> {
    if (decision.claimKeys.length) await END_DECISION.run(this.redis, decision.claimKeys, [decision.mark, '1', claimMs]);
  }

  /** Puts a decision's claims back to pending when their outcomes could not be recorded: a retry decides them. */
  async release(decision: Decision, claimMs: number): Promise<void> {
    if (decision.claimKeys.length) await END_DECISION.run(this.redis, decision.claimKeys, [decision.mark, 'p', claimMs]);
  }
}

function pairs(flat: string[]): Array<{ runId: string; at: number }> {
  const out: Array<{ runId: string; at: number }> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ runId: flat[i] as string, at: Number(flat[i + 1]) });
  return out;
}
