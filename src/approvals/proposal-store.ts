import type { Redis } from 'ioredis';
import { PERSON_LUA } from './person-lua.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { OutboxEntry } from '../audit/audit-outbox.js';
import type { AuditEventBody } from '../audit/events.js';
import type { PlannedChange } from '../k8s/types.js';
import { proposalExpiryKey, type RunStore } from '../jobs/run-store.js';
import type { ApprovalState, RunRecord, RunState } from '../jobs/run-record.js';
import { RedisScript } from '../redis-script.js';
import type { Requester } from '../runbook/types.js';

// planning → awaiting_approval with the plan's hash and the expiry.
const OPEN = new RedisScript(`
if redis.call('HGET', KEYS[1], 'state') ~= 'planning' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'awaiting_approval', 'approval', ARGV[1])
redis.call('DEL', KEYS[2])
for i = 3, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('ZADD', KEYS[3], ARGV[2], KEYS[1])
return 1`);

// Counts one approval, atomically: the run must await approval, the proposal
// must not have expired, the approver must have seen the current plan (hash),
// and each person counts once. Enough approvals move the run to queued.
const APPROVE = new RedisScript(`
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'missing'} end
if state ~= 'awaiting_approval' then return {'state', state} end
local approval = cjson.decode(redis.call('HGET', KEYS[1], 'approval'))
if approval.expiresAtMs and tonumber(ARGV[3]) >= approval.expiresAtMs then return {'expired'} end
if approval.hash ~= ARGV[2] then return {'void'} end
local approvers = approval.approvers
if type(approvers) ~= 'table' then approvers = {} end
local me = cjson.decode(ARGV[1])
${PERSON_LUA}
local mine = person(me)
for _, a in ipairs(approvers) do
  if person(a) == mine then return {'duplicate', tostring(#approvers)} end
end
table.insert(approvers, me)
approval.approvers = approvers
redis.call('HSET', KEYS[1], 'approval', cjson.encode(approval))
-- The approval.granted event, kept until it is in the audit log: an approval
-- that counts is never missing from it, even if this process dies next.
local grant = cjson.encode({t = tonumber(ARGV[3]), e = {type = 'approval.granted', runId = ARGV[4], actor = me, planHash = ARGV[2], approvals = #approvers, needed = approval.needed}})
local field = ARGV[4] .. ' ' .. me.kind .. ':' .. me.id
redis.call('HSET', KEYS[4], field, grant)
if #approvers >= approval.needed then
  redis.call('HSET', KEYS[1], 'state', 'queued')
  redis.call('ZREM', KEYS[2], KEYS[1])
  -- Until its job is added: a crash in between must not strand the run.
  redis.call('ZADD', KEYS[3], ARGV[3], KEYS[1])
  return {'approved', tostring(#approvers), field, grant}
end
return {'counted', tostring(#approvers), field, grant}`);

// Ends a held run (rejected, expired, cancelled, failed) if it is still held.
// ARGV[1]: the end state; ARGV[2]: finishedAt; ARGV[3]: error JSON; ARGV[4]: rejectedBy JSON or '';
// ARGV[5]: '1' to end it only when its proposal has expired by ARGV[6] (ms).
const END = new RedisScript(`
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
if state ~= 'planning' and state ~= 'awaiting_approval' then return state end
local raw = redis.call('HGET', KEYS[1], 'approval')
-- An agent writes its runs' records: an approval that does not decode to a table, or has no
-- expiry in ms, is no proposal anyone can approve (it expires now), and must not fail the script
-- (nor stay due for ever): either would stop the expiry sweep of every cluster's proposals.
local ok, a = false, nil
if raw then ok, a = pcall(cjson.decode, raw) end
if not ok or type(a) ~= 'table' then a = nil end
if ARGV[5] == '1' then
  if state ~= 'awaiting_approval' or not raw then return state end
  if a and type(a.expiresAtMs) == 'number' and tonumber(ARGV[6]) < a.expiresAtMs then return 'pending' end
end
if a and ARGV[4] ~= '' then
  a.rejectedBy = cjson.decode(ARGV[4])
  if type(a.approvers) ~= 'table' or next(a.approvers) == nil then a.approvers = nil end
  redis.call('HSET', KEYS[1], 'approval', cjson.encode(a))
end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'finishedAt', ARGV[2], 'error', ARGV[3])
redis.call('ZREM', KEYS[2], KEYS[1])
return 'OK'`);

/** An approval.granted event not yet known to be in the audit log. */
type Grant = OutboxEntry & { event: Extract<AuditEventBody, { type: 'approval.granted' }> };

export type ApproveAnswer =
  | { kind: 'approved' | 'counted'; approvals: number; grant: Grant }
  | { kind: 'duplicate'; approvals: number }
  | { kind: 'expired' | 'void' | 'missing' }
  | { kind: 'state'; state: RunState };

/** A proposal's approval fields as stored (expiry also in ms, for the scripts). */
type StoredApproval = ApprovalState & { expiresAtMs?: number };

/**
 * Proposals in Redis: a run that needs approval is held (planning, then
 * awaiting_approval) in its run record, with its plan beside it and its expiry
 * in a sorted set. Every change of a proposal is one atomic script.
 */
export class ProposalStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly store: RunStore,
    private readonly audit: AuditLog,
    /** An agent's proposals: its cluster's own expiry set (the central relay copies each expiry to the central one). */
    private readonly roomExpiryKey?: string,
  ) {}

  private runKey(id: string): string {
    return `${this.prefix}:run:${id}`;
  }

  private planKey(id: string): string {
    return `${this.prefix}:run:${id}:plan`;
  }

  get expiryKey(): string {
    return this.roomExpiryKey ?? proposalExpiryKey(this.prefix);
  }

  /** Approved runs whose job may not have been added yet (scored by approval time). */
  get releaseKey(): string {
    return `${this.prefix}:approvals:releasing`;
  }

  /** Approved runs still marked as being released before `before` (their releaser may have died). */
  unreleased(before: Date, limit = 100): Promise<string[]> {
    return this.runsScoredBefore(this.releaseKey, before, limit);
  }

  async released(id: string): Promise<void> {
    await this.redis.zrem(this.releaseKey, this.runKey(id));
  }

  /**
   * Opens a planned proposal for approval: stores the plan and its binding
   * hash, starts the clock, and tells followers (thread, terminal) what would
   * change. False if the run was no longer planning (cancelled meanwhile).
   * `plan` is what people see (the run's secret values already scrubbed); it
   * is redacted again here. The hash was computed from the plan as it is.
   */
  async open(run: RunRecord, plan: PlannedChange[], hash: string, now: Date): Promise<boolean> {
    if (!run.approval) throw new Error(`Run ${run.id} needs no approval.`);
    const expiresAtMs = now.getTime() + run.approval.timeoutMs;
    const approval: StoredApproval = { ...run.approval, hash, expiresAt: new Date(expiresAtMs).toISOString(), expiresAtMs, approvers: [] };
    const opened = await OPEN.run(this.redis, [this.runKey(run.id), this.planKey(run.id), this.expiryKey], [
      JSON.stringify(approval),
      expiresAtMs,
      ...plan.map((c) => JSON.stringify(this.store.redacted(c))),
    ]);
    if (opened !== 1) return false;
    for (const change of plan) await this.store.emit(run.id, { type: 'change', change });
    if (!plan.length) await this.store.emit(run.id, { type: 'report', text: 'The dry run changes nothing.' });
    await this.store.emit(run.id, { type: 'state', state: 'awaiting_approval' });
    await this.store.emit(run.id, { type: 'approval', action: 'requested', approvals: 0, needed: approval.needed });
    await this.audit.append({
      type: 'approval.requested',
      runId: run.id,
      runbook: run.runbook,
      cluster: run.cluster,
      params: run.params,
      actor: run.requester,
      planHash: hash,
      needed: approval.needed,
      ...(approval.group ? { group: approval.group } : {}),
      reason: approval.reason,
      expiresAt: approval.expiresAt as string,
      changes: plan.map((c) => c.summary),
    });
    return true;
  }

  async approve(id: string, approver: Requester, hash: string, now: Date): Promise<ApproveAnswer> {
    const me = { kind: approver.kind, id: approver.id, ...(approver.name ? { name: approver.name } : {}) };
    const keys = [this.runKey(id), this.expiryKey, this.releaseKey, this.audit.outbox.key];
    const reply = (await APPROVE.run(this.redis, keys, [JSON.stringify(me), hash, now.getTime(), id])) as string[];
    const [kind, value, field, grant] = reply;
    switch (kind) {
      case 'approved':
      case 'counted':
        return { kind, approvals: Number(value), grant: { field: field as string, event: (JSON.parse(grant as string) as { e: Grant['event'] }).e } };
      case 'duplicate':
        return { kind, approvals: Number(value) };
      case 'state':
        return { kind, state: value as RunState };
      case 'expired':
      case 'void':
      case 'missing':
        return { kind };
      default:
        throw new Error(`Unexpected answer from the approve script: ${String(kind)}`);
    }
  }

  /**
   * Ends a held run in `state`. With `onlyIfExpired`, only when its proposal
   * has expired by `now`. Returns undefined when it ended, else why not
   * (`pending`, `missing` or the run's current state).
   */
  async end(
    id: string,
    state: 'rejected' | 'expired' | 'cancelled' | 'failed',
    fields: { error: { code: string; message: string }; rejectedBy?: Requester; now: Date; onlyIfExpired?: boolean },
  ): Promise<string | undefined> {
    const answer = (await END.run(this.redis, [this.runKey(id), this.expiryKey], [
      state,
      fields.now.toISOString(),
      JSON.stringify(fields.error),
      fields.rejectedBy ? JSON.stringify(fields.rejectedBy) : '',
      fields.onlyIfExpired ? '1' : '0',
      fields.now.getTime(),
    ])) as string;
    if (answer !== 'OK') return answer;
    await this.store.emit(id, { type: 'state', state, message: fields.error.message });
    return undefined;
  }

  /** Proposals whose time is up, as run ids. */
  due(now: Date, limit = 100): Promise<string[]> {
    return this.runsScoredBefore(this.expiryKey, now, limit);
  }

  /** Run ids in a sorted set of run keys, scored (ms) at or before `time`. */
  private async runsScoredBefore(key: string, time: Date, limit: number): Promise<string[]> {
    const keys = await this.redis.zrangebyscore(key, '-inf', time.getTime(), 'LIMIT', 0, limit);
    const head = `${this.prefix}:run:`;
    return keys.map((k) => k.slice(head.length));
  }

  /** Drops a run from the expiry index (it ended, or its record is gone). */
  async forget(id: string): Promise<void> {
    await this.redis.zrem(this.expiryKey, this.runKey(id));
  }
}
