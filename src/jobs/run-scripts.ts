// The run store's Lua scripts: each state change of a run, with everything
// that goes with it, in one atomic step and one round trip.
import { RedisScript } from '../redis-script.js';

// Moves a run from one of the allowed states to another, atomically, sets
// fields and appends the state event. KEYS: the run, the audit outbox, the
// run-wake set, then the run's events, steps, changes, plan, secrets and gitops progress.
// ARGV: allowed states, new state, outbox field and entry ('' for none), wake
// score ('' for none), run id, the event, retention ms ('' to keep the keys),
// then field/value pairs.
export const TRANSITION = new RedisScript(`
local current = redis.call('HGET', KEYS[1], 'state')
if not current then return '!missing' end
local allowed = false
for state in string.gmatch(ARGV[1], '[^,]+') do
  if state == current then allowed = true end
end
if not allowed then return current end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
-- The audit event of this change, in the audit outbox in the same step.
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], ARGV[3], ARGV[4]) end
for i = 9, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
-- A run that ends wakes whatever waits on it (only runs listed there).
if ARGV[5] ~= '' then redis.call('ZADD', KEYS[3], 'XX', ARGV[5], ARGV[6]) end
redis.call('XADD', KEYS[4], 'MAXLEN', '~', '10000', '*', 'e', ARGV[7])
-- An ended run's keys expire after the retention period; its secrets go now.
if ARGV[8] ~= '' then
  for i = 4, 7 do redis.call('PEXPIRE', KEYS[i], ARGV[8]) end
  if KEYS[9] then redis.call('PEXPIRE', KEYS[9], ARGV[8]) end
  redis.call('PEXPIRE', KEYS[1], ARGV[8])
  redis.call('DEL', KEYS[8])
end
return 'OK'
`);

// Starts an attempt: counts it, and moves the run to running if it is in one of
// the allowed states, with fields and its state event. KEYS: the run, its
// events. ARGV: allowed states, the event, field/value pairs. Answers
// {attempt, 'OK' or the state that refused, or '!missing'}.
// A parked run (parkedUntil set) waking up is no new attempt: the count stays,
// and followers are not told it is running again.
export const START = new RedisScript(`
local current = redis.call('HGET', KEYS[1], 'state')
if not current then return {0, '!missing'} end
local parked = current == 'running' and redis.call('HGET', KEYS[1], 'parkedUntil')
local attempt
if parked then
  attempt = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '1') or 1
else
  attempt = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
end
local allowed = false
for state in string.gmatch(ARGV[1], '[^,]+') do
  if state == current then allowed = true end
end
if not allowed then return {attempt, current} end
redis.call('HSET', KEYS[1], 'state', 'running')
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
if parked then
  redis.call('HDEL', KEYS[1], 'parkedUntil')
else
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', '10000', '*', 'e', ARGV[2])
end
return {attempt, 'OK'}
`);

// Before a step: a cancellation requested, the step's checkpoint (replayed),
// a step skipped in a dry run, or the step started (its execution count and
// first start), with its event for followers. KEYS: the run, its steps, its
// events. ARGV: step, its name as people see it (redacted), now (ISO),
// whether to skip.
export const BEGIN_STEP = new RedisScript(`
local cancel = redis.call('HGET', KEYS[1], 'cancelRequestedBy')
if cancel then return {'cancel', cancel} end
local function tell(phase)
  local event = {type = 'step', step = ARGV[2], phase = phase, time = ARGV[3]}
  if phase ~= 'started' and phase ~= 'skipped' then event.durationMs = 0 end
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', '10000', '*', 'e', cjson.encode(event))
end
local done = redis.call('HGET', KEYS[2], 'done:' .. ARGV[1])
if done then
  tell('replayed')
  return {'done', done}
end
if ARGV[4] == '1' then
  tell('skipped')
  return {'skipped'}
end
local execution = redis.call('HINCRBY', KEYS[2], 'exec:' .. ARGV[1], 1)
redis.call('HSETNX', KEYS[2], 'first:' .. ARGV[1], ARGV[3])
tell('started')
return {'started', execution, redis.call('HGET', KEYS[2], 'first:' .. ARGV[1])}
`);

// After a step succeeded: its checkpoint, then its event for followers.
// KEYS: the run's steps, its events. ARGV: the step, the checkpoint, the event.
export const END_STEP = new RedisScript(`
redis.call('HSET', KEYS[1], 'done:' .. ARGV[1], ARGV[2])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', '10000', '*', 'e', ARGV[3])
`);

// A run's record and its secrets (KEYS: the two keys).
export const LOAD = new RedisScript(`return {redis.call('HGETALL', KEYS[1]), redis.call('GET', KEYS[2])}`);

// CREATE for many runs in one atomic step, each with its secrets (saved only
// with a new record). KEYS: the two indexes; ARGV: secrets TTL, key prefix,
// then the runs as one JSON array of [id, score, runbook, event, secrets ('' for none), fields].
// One argument instead of thousands keeps a storm's batch cheap to send.
export const CREATE_MANY = new RedisScript(`
local out = {}
for i, run in ipairs(cjson.decode(ARGV[3])) do
  local id, key = run[1], ARGV[2] .. run[1]
  if redis.call('HSETNX', key, 'id', id) == 1 then
    if run[5] ~= '' then redis.call('SET', key .. ':secrets', run[5], 'PX', ARGV[1]) end
    redis.call('HSET', key, unpack(run[6]))
    redis.call('ZADD', KEYS[1], run[2], id)
    redis.call('ZADD', KEYS[2] .. run[3], run[2], id)
    redis.call('XADD', key .. ':events', 'MAXLEN', '~', '10000', '*', 'e', run[4])
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
`);
