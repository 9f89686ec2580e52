import type { Redis } from 'ioredis';
import type { RemediationResult } from '../audit/events.js';
import type { OutboxEntry } from '../audit/audit-outbox.js';
import { TERMINAL_STATES } from '../jobs/run-record.js';
import { runWakeKey } from '../jobs/run-wake.js';
import { RedisScript } from '../redis-script.js';
import type { WebhookAlert } from './webhook-payload.js';

/** A run the remediation watch holds, as stored (one field of the watch hash). */
export interface Watched {
  runId: string;
  runbook: string;
  alert: WebhookAlert;
  silenceId?: string;
  /** Set with the audit events of the conclusion: what is left is its escalation and forgetting the run. */
  concluded?: { result: RemediationResult; details: string[] };
}

/** A run to watch, with what its safety deadline is computed from. */
export interface WatchItem {
  runId: string;
  runbook: string;
  alert: WebhookAlert;
  silenceId?: string;
  createdAt: string;
  timeoutMs: number;
}

/** A run in the wake set whose time has come, with the score it was read at (the token of a re-arm). */
export interface Due {
  runId: string;
  score: string;
}

/** A change to a due run, applied by `settle` after the sweep decided. */
export type Settlement =
  /** Look again at `at` unless something woke the run since it was read; rewrite its entry (a silence gone). */
  | { op: 'arm'; due: Due; at: number; entry?: Watched }
  /** Done with it: the entry, its alert index entry and its wake entry go together. */
  | { op: 'forget'; watched: Watched }
  /** In the wake set, not in the watch: an older Drover concluded it (or it is not the watch's). */
  | { op: 'drop'; due: Due };

// Watches runs, ARGV[1] a JSON array of [runId, entry (JSON without silenceId),
// silenceId or '', deadline, alert index key]; keeps the silence an earlier write
// recorded for a run, else takes the one given, and answers per run the silence
// kept ('' for a run already concluded, which is not watched again). A run listed
// for the first time is due at its deadline; one already listed keeps its time
// (a redelivery never postpones a check); one that has already ended (or is gone)
// is due now: it ended before it was listed, so the run store could not wake it.
// Atomic with the store's transitions: no end goes unnoticed.
const TRACK = new RedisScript(`
local terminal = {}
for state in string.gmatch(ARGV[3], '[^,]+') do terminal[state] = true end
local out = {}
for i, item in ipairs(cjson.decode(ARGV[1])) do
  local runId, entry, kept = item[1], item[2], item[3]
  if redis.call('EXISTS', ARGV[5] .. runId) == 1 then
    out[i] = ''
  else
    local previous = redis.call('HGET', KEYS[1], runId)
    if previous then
      local old = cjson.decode(previous).silenceId
      if type(old) == 'string' and old ~= '' then kept = old end
    end
    if kept ~= '' then entry = string.sub(entry, 1, -2) .. ',"silenceId":' .. cjson.encode(kept) .. '}' end
    redis.call('HSET', KEYS[1], runId, entry)
    redis.call('SADD', item[5], runId)
    redis.call('PEXPIRE', item[5], ARGV[4])
    local state = redis.call('HGET', ARGV[6] .. runId, 'state')
    if not state or terminal[state] then
      redis.call('ZADD', KEYS[2], 'LT', ARGV[2], runId)
    else
      redis.call('ZADD', KEYS[2], 'NX', item[4], runId)
    end
    out[i] = kept
  end
end
return out
`);

// Records conclusions, ARGV[1] a JSON array of [runId, concluded entry, marker
// key, then outbox field/value pairs]: the entry (still due) and the audit events
// (in the outbox, delivered by the caller or else by the outbox's drain) in one
// step, once per run: the marker (kept ARGV[2] ms) refuses a second conclusion,
// and a redelivery's watch. Answers 1 per run concluded here, 0 otherwise.
const CONCLUDE = new RedisScript(`
local out = {}
for i, c in ipairs(cjson.decode(ARGV[1])) do
  out[i] = 0
  if redis.call('HEXISTS', KEYS[1], c[1]) == 1 and redis.call('SET', c[3], '1', 'NX', 'PX', ARGV[2]) then
    redis.call('HSET', KEYS[1], c[1], c[2])
    for j = 4, #c, 2 do redis.call('HSET', KEYS[2], c[j], c[j + 1]) end
    out[i] = 1
  end
end
return out
`);

// Applies settlements, ARGV[1] a JSON array of [op, runId, ...]. A re-arm or a
// drop happens only if the run's score is still the one read (the run store or a
// resolved notification may have woken it since: then it stays due).
const SETTLE = new RedisScript(`
local function unchanged(runId, score)
  local current = redis.call('ZSCORE', KEYS[2], runId)
  return current and tonumber(current) == tonumber(score)
end
for _, s in ipairs(cjson.decode(ARGV[1])) do
  local op, runId = s[1], s[2]
  if op == 'arm' then
    if s[5] ~= '' and redis.call('HEXISTS', KEYS[1], runId) == 1 then redis.call('HSET', KEYS[1], runId, s[5]) end
    if unchanged(runId, s[3]) then redis.call('ZADD', KEYS[2], 'XX', s[4], runId) end
  elseif op == 'forget' then
    redis.call('HDEL', KEYS[1], runId)
    redis.call('SREM', s[3], runId)
    redis.call('ZREM', KEYS[2], runId)
  elseif op == 'drop' then
    if redis.call('HEXISTS', KEYS[1], runId) == 0 and unchanged(runId, s[3]) then redis.call('ZREM', KEYS[2], runId) end
  end
end
return 'OK'
`);

// The alert resolved (KEYS[1], kept ARGV[3] ms): the runs watching it (KEYS[2]) are due now.
const RESOLVED = new RedisScript(`
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
for _, runId in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('ZADD', KEYS[3], 'XX', ARGV[1], runId) end
return 'OK'
`);

// Entries written before the wake set existed (ARGV[3] a JSON array of [runId,
// alert index key]): due now, and indexed; an entry already listed keeps its time.
// Answers how many were not listed.
const ADOPT = new RedisScript(`
local added = 0
for _, item in ipairs(cjson.decode(ARGV[3])) do
  added = added + redis.call('ZADD', KEYS[1], 'NX', ARGV[1], item[1])
  redis.call('SADD', item[2], item[1])
  redis.call('PEXPIRE', item[2], ARGV[2])
end
return added
`);

/** Our own deadlines end in .5: never equal to a wake (whole milliseconds), so a re-arm cannot mistake one for its own. */
export function deadline(ms: number): number {
  return Math.floor(ms) + 0.5;
}

/**
 * The remediation watch in Redis: its entries (a hash, one field per run), an
 * index from an alert (fingerprint and start) to the runs watching it, markers of
 * concluded runs, and the runs' times in the shared wake set (`runWakeKey`),
 * which the run store moves to "now" when a run ends.
 */
export class WatchStore {
  readonly key: string;
  readonly lockKey: string;
  readonly wakeKey: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** How long markers (resolved alerts, concluded runs) and indexes are kept. */
    private readonly retentionMs: number,
  ) {
    this.key = `${prefix}:alerts:watch`;
    this.lockKey = `${this.key}:lock`;
    this.wakeKey = runWakeKey(prefix);
  }

  private alertKey(alert: { fingerprint: string; startsAt: string }): string {
    return `${this.key}:alert:${alert.fingerprint}:${Date.parse(alert.startsAt)}`;
  }

  private resolvedKey(alert: { fingerprint: string; startsAt: string }): string {
    return `${this.prefix}:alert:resolved:${alert.fingerprint}:${Date.parse(alert.startsAt)}`;
  }

  private concludedKey(runId: string): string {
    return `${this.key}:concluded:${runId}`;
  }

  /** Lists runs with their deadlines (see TRACK); per run, the silence kept. */
  async track(items: WatchItem[], marginMs: number, now: number): Promise<Array<string | undefined>> {
    if (!items.length) return [];
    const args = items.map((w) => [
      w.runId,
      JSON.stringify({ runId: w.runId, runbook: w.runbook, alert: w.alert } satisfies Watched),
      w.silenceId ?? '',
      String(deadline(Date.parse(w.createdAt) + w.timeoutMs + marginMs)),
      this.alertKey(w.alert),
    ]);
    const kept = (await TRACK.run(this.redis, [this.key, this.wakeKey], [
      JSON.stringify(args),
      String(now),
      TERMINAL_STATES.join(','),
      this.retentionMs,
      this.concludedKey(''),
      `${this.prefix}:run:`,
    ])) as string[];
    return kept.map((id) => id || undefined);
  }

  async silenceIds(runIds: string[]): Promise<Array<string | undefined>> {
    if (!runIds.length) return [];
    return (await this.entries(runIds)).map((w) => w?.silenceId);
  }

  async entries(runIds: string[]): Promise<Array<Watched | undefined>> {
    const raw = await this.redis.hmget(this.key, ...runIds);
    return raw.map((r) => (r ? (JSON.parse(r) as Watched) : undefined));
  }

  async markResolved(alert: WebhookAlert, now: number): Promise<void> {
    await RESOLVED.run(this.redis, [this.resolvedKey(alert), this.alertKey(alert), this.wakeKey], [String(now), new Date(now).toISOString(), this.retentionMs]);
  }

  /** Whether each alert has resolved (one round trip). */
  async resolved(alerts: WebhookAlert[]): Promise<boolean[]> {
    if (!alerts.length) return [];
    const pipeline = this.redis.pipeline();
    for (const alert of alerts) pipeline.exists(this.resolvedKey(alert));
    const replies = (await pipeline.exec()) ?? [];
    return alerts.map((_, i) => {
      const [err, n] = replies[i] ?? [new Error('no reply from Redis')];
      if (err) throw err;
      return n === 1;
    });
  }

  /** Up to `limit` runs due by `now`, earliest first: the one command of an idle sweep. */
  async due(now: number, limit: number): Promise<Due[]> {
    const flat = await this.redis.zrangebyscore(this.wakeKey, '-inf', now, 'WITHSCORES', 'LIMIT', 0, limit);
    const out: Due[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ runId: flat[i] as string, score: flat[i + 1] as string });
    return out;
  }

  /** Per conclusion, whether it was recorded here (false: another sweep did). */
  async conclude(items: Array<{ watched: Watched; audit: OutboxEntry[] }>, outboxKey: string, now: number): Promise<boolean[]> {
    if (!items.length) return [];
    const args = items.map(({ watched, audit }) => [
      watched.runId,
      JSON.stringify(watched),
      this.concludedKey(watched.runId),
      ...audit.flatMap((entry) => [entry.field, JSON.stringify({ t: now, e: entry.event })]),
    ]);
    const done = (await CONCLUDE.run(this.redis, [this.key, outboxKey], [JSON.stringify(args), this.retentionMs])) as number[];
    return done.map((n) => n === 1);
  }

  async settle(settlements: Settlement[]): Promise<void> {
    if (!settlements.length) return;
    const args = settlements.map((s) =>
      s.op === 'arm'
        ? ['arm', s.due.runId, s.due.score, String(s.at), s.entry ? JSON.stringify(s.entry) : '']
        : s.op === 'forget'
          ? ['forget', s.watched.runId, this.alertKey(s.watched.alert)]
          : ['drop', s.due.runId, s.due.score],
    );
    await SETTLE.run(this.redis, [this.key, this.wakeKey], [JSON.stringify(args)]);
  }

  /** Lists the entries an older Drover wrote (no wake entry, no index), due now; how many. One pass, a page at a time. */
  async adopt(now: number): Promise<number> {
    let cursor = '0';
    let adopted = 0;
    do {
      const [next, flat] = await this.redis.hscan(this.key, cursor, 'COUNT', 500);
      cursor = next;
      const items: string[][] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) items.push([flat[i] as string, this.alertKey((JSON.parse(flat[i + 1] as string) as Watched).alert)]);
      if (items.length) adopted += (await ADOPT.run(this.redis, [this.wakeKey], [String(now), this.retentionMs, JSON.stringify(items)])) as number;
    } while (cursor !== '0');
    return adopted;
  }
}
