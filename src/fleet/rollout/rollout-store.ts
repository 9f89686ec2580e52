import type { Redis } from 'ioredis';
import { PERSON_LUA } from '../../approvals/person-lua.js';
import { RedisScript } from '../../redis-script.js';
import type { Requester } from '../../runbook/types.js';
import type { Rollout, RolloutApproval, RolloutPlan, RolloutState, RolloutTarget } from './plan.js';

// A new rollout: its hash (plan fixed, state and the rest mutable), its secrets, both indexes.
const CREATE = new RedisScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(cjson.decode(ARGV[1])))
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[5]) end
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
redis.call('SADD', KEYS[4], ARGV[4])
return 1`);

// Compare-and-set of the state: only from one of ARGV[1] (comma-separated), to ARGV[2], with fields ARGV[3] (flat JSON pairs).
// ARGV[4] '1' keeps it in the controller's set, '0' takes it out. Answers 'OK' or the current state.
const TRANSITION = new RedisScript(`
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
local ok = false
for s in string.gmatch(ARGV[1], '[^,]+') do if s == state then ok = true end end
if not ok then return state end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
local fields = cjson.decode(ARGV[3])
if #fields > 0 then redis.call('HSET', KEYS[1], unpack(fields)) end
if ARGV[4] == '1' then redis.call('SADD', KEYS[2], ARGV[5]) else redis.call('SREM', KEYS[2], ARGV[5]) end
return 'OK'`);

// Counts one approval of the plan with hash ARGV[2], atomically: awaiting approval, not expired,
// the plan the approver saw, each person once. Enough approvals start it (running).
// ARGV[6], when not empty, is how many approvers the caller saw: another count means the list
// changed since (an approval under another name of the same person may have landed), so 'changed'.
const APPROVE = new RedisScript(`
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'missing'} end
if state ~= 'awaiting_approval' then return {'state', state} end
local approval = cjson.decode(redis.call('HGET', KEYS[1], 'approval'))
if tonumber(ARGV[3]) >= approval.expiresAtMs then return {'expired'} end
if redis.call('HGET', KEYS[1], 'hash') ~= ARGV[2] then return {'void'} end
local approvers = approval.approvers
if type(approvers) ~= 'table' then approvers = {} end
if ARGV[6] ~= '' and #approvers ~= tonumber(ARGV[6]) then return {'changed'} end
local me = cjson.decode(ARGV[1])
${PERSON_LUA}
local mine = person(me)
for _, a in ipairs(approvers) do
  if person(a) == mine then return {'duplicate', tostring(#approvers)} end
end
table.insert(approvers, me)
approval.approvers = approvers
redis.call('HSET', KEYS[1], 'approval', cjson.encode(approval), 'updatedAt', ARGV[4])
if #approvers >= approval.needed then
  redis.call('HSET', KEYS[1], 'state', 'running')
  redis.call('SADD', KEYS[2], ARGV[5])
  return {'approved', tostring(#approvers)}
end
return {'counted', tostring(#approvers)}`);

export type RolloutApproveAnswer = { kind: 'approved' | 'counted' | 'duplicate'; approvals: number } | { kind: 'expired' | 'void' | 'missing' | 'changed' } | { kind: 'state'; state: RolloutState };

/**
 * Rollouts in Redis: one hash per rollout (`P:rollout:<id>`: the plan, fixed
 * when made, and its mutable state), its secret params apart
 * (`P:rollout:<id>:secrets`), the index of recent ones (`P:rollouts`) and the
 * set the controller drives (`P:rollouts:active`). State changes are
 * compare-and-set scripts.
 */
export class RolloutStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  key(id: string): string {
    return `${this.prefix}:rollout:${id}`;
  }

  get indexKey(): string {
    return `${this.prefix}:rollouts`;
  }

  get activeKey(): string {
    return `${this.prefix}:rollouts:active`;
  }

  /** The controller's lock on one rollout. */
  lockKey(id: string): string {
    return `${this.key(id)}:lock`;
  }

  /** Stores a new rollout (false if the id exists); its secrets kept `retentionMs`. */
  async create(rollout: Rollout, secrets: Record<string, unknown>, retentionMs: number): Promise<boolean> {
    const created = await CREATE.run(this.redis, [this.key(rollout.id), `${this.key(rollout.id)}:secrets`, this.indexKey, this.activeKey], [
      JSON.stringify(Object.entries(serialise(rollout)).flat()),
      Object.keys(secrets).length ? JSON.stringify(secrets) : '',
      Date.parse(rollout.createdAt),
      rollout.id,
      retentionMs,
    ]);
    return created === 1;
  }

  async get(id: string): Promise<Rollout | undefined> {
    const hash = await this.redis.hgetall(this.key(id));
    return hash.plan ? deserialise(hash) : undefined;
  }

  async secrets(id: string): Promise<Record<string, unknown>> {
    const raw = await this.redis.get(`${this.key(id)}:secrets`);
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  }

  /** The most recent rollouts, newest first. */
  async recent(limit = 20): Promise<Rollout[]> {
    const ids = await this.redis.zrevrange(this.indexKey, 0, limit - 1);
    const found = await Promise.all(ids.map((id) => this.get(id)));
    return found.filter((r): r is Rollout => r !== undefined);
  }

  /** Rollouts the controller should look at (awaiting approval or running). */
  active(): Promise<string[]> {
    return this.redis.smembers(this.activeKey);
  }

  /**
   * Moves a rollout from one of `from` to `to` with `fields`, atomically.
   * Undefined when done, else its current state (or `missing`).
   */
  async transition(id: string, from: readonly RolloutState[], to: RolloutState, fields: Partial<Rollout> = {}): Promise<string | undefined> {
    const drive = to === 'running' || to === 'awaiting_approval';
    const answer = (await TRANSITION.run(this.redis, [this.key(id), this.activeKey], [
      from.join(','),
      to,
      JSON.stringify(Object.entries(serialise({ ...fields, updatedAt: fields.updatedAt ?? new Date().toISOString() })).flat()),
      drive ? '1' : '0',
      id,
    ])) as string;
    return answer === 'OK' ? undefined : answer;
  }

  /** Writes the per-cluster progress and the batch index (the controller's own fields, under its lock). */
  async progress(id: string, targets: Record<string, RolloutTarget>, batch: number): Promise<void> {
    await this.redis.hset(this.key(id), 'targets', JSON.stringify(targets), 'batch', String(batch), 'updatedAt', new Date().toISOString());
  }

  async setSlack(id: string, slack: { channel: string; ts: string }): Promise<void> {
    await this.redis.hset(this.key(id), 'slack', JSON.stringify(slack));
  }

  /** `seen`: how many approvers the caller checked this one against (answers `changed` if the list differs now). */
  async approve(id: string, approver: Requester, hash: string, now: Date, seen?: number): Promise<RolloutApproveAnswer> {
    const me = { kind: approver.kind, id: approver.id, ...(approver.name ? { name: approver.name } : {}) };
    const args = [JSON.stringify(me), hash, now.getTime(), now.toISOString(), id, seen === undefined ? '' : seen];
    const [kind, value] = (await APPROVE.run(this.redis, [this.key(id), this.activeKey], args)) as string[];
    switch (kind) {
      case 'approved':
      case 'counted':
      case 'duplicate':
        return { kind, approvals: Number(value) };
      case 'state':
        return { kind, state: value as RolloutState };
      case 'expired':
      case 'void':
      case 'missing':
      case 'changed':
        return { kind };
      default:
        throw new Error(`Unexpected answer from the rollout approve script: ${String(kind)}`);
    }
  }

  /** Takes a rollout out of the controller's set (paused, ended or gone). */
  async forgetActive(id: string): Promise<void> {
    await this.redis.srem(this.activeKey, id);
  }

  /** Once ended: the rollout is kept `retentionMs`, its secrets dropped. */
  async expire(id: string, retentionMs: number): Promise<void> {
    await this.redis.multi().pexpire(this.key(id), retentionMs).del(`${this.key(id)}:secrets`).srem(this.activeKey, id).exec();
  }

  /** Drops index entries older than `retentionMs` (their rollouts have expired). */
  async pruneIndex(retentionMs: number, now = Date.now()): Promise<void> {
    await this.redis.zremrangebyscore(this.indexKey, '-inf', now - retentionMs);
  }
}

const PLAN_FIELDS = ['id', 'runbook', 'pack', 'params', 'selector', 'clusters', 'batchSize', 'canary', 'pauseOnFailure', 'maxFailures', 'dryRun', 'requester', 'createdAt'] as const;

function serialise(fields: Partial<Rollout>): Record<string, string> {
  const out: Record<string, string> = {};
  if (fields.id !== undefined) {
    const plan = Object.fromEntries(PLAN_FIELDS.filter((k) => fields[k] !== undefined).map((k) => [k, fields[k]]));
    out.plan = JSON.stringify(plan);
  }
  if (fields.hash !== undefined) out.hash = fields.hash;
  if (fields.state !== undefined) out.state = fields.state;
  if (fields.approval !== undefined) out.approval = JSON.stringify({ ...fields.approval, expiresAtMs: Date.parse(fields.approval.expiresAt) });
  if (fields.batch !== undefined) out.batch = String(fields.batch);
  if (fields.targets !== undefined) out.targets = JSON.stringify(fields.targets);
  if (fields.reason !== undefined) out.reason = fields.reason;
  if (fields.updatedAt !== undefined) out.updatedAt = fields.updatedAt;
  if (fields.finishedAt !== undefined) out.finishedAt = fields.finishedAt;
  if (fields.slack !== undefined) out.slack = JSON.stringify(fields.slack);
  return out;
}

function deserialise(hash: Record<string, string>): Rollout {
  const plan = JSON.parse(hash.plan as string) as RolloutPlan;
  let approval: RolloutApproval | undefined;
  if (hash.approval) {
    const { expiresAtMs: _ms, ...stored } = JSON.parse(hash.approval) as RolloutApproval & { expiresAtMs?: number };
    // Lua's cjson writes an empty array as {}.
    approval = { ...stored, approvers: Array.isArray(stored.approvers) ? stored.approvers : [] };
  }
  return {
    ...plan,
    hash: hash.hash ?? '',
    state: hash.state as RolloutState,
    ...(approval ? { approval } : {}),
    batch: Number(hash.batch ?? 0),
    targets: hash.targets ? (JSON.parse(hash.targets) as Record<string, RolloutTarget>) : {},
    ...(hash.reason ? { reason: hash.reason } : {}),
    updatedAt: hash.updatedAt ?? plan.createdAt,
    ...(hash.finishedAt ? { finishedAt: hash.finishedAt } : {}),
    ...(hash.slack ? { slack: JSON.parse(hash.slack) as { channel: string; ts: string } } : {}),
  };
}
