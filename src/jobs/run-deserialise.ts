import type { RunRecord, RunState } from './run-record.js';

/** Fields stored as JSON; the rest are strings. */
export const JSON_FIELDS = ['params', 'requester', 'error', 'result', 'cancelRequestedBy', 'approval', 'pack', 'rollout'] as const;

const STATES: ReadonlySet<string> = new Set<RunState>(['planning', 'awaiting_approval', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed-out', 'rejected', 'expired']);
const KINDS: ReadonlySet<string> = new Set(['slack', 'cli', 'alert', 'schedule', 'system']);

/** Parsed JSON, or undefined when it does not parse. */
function parsed(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A requester as the code reads one (kind, string id, string name), or undefined. */
function requester(value: unknown): Record<string, unknown> | undefined {
  if (!isObject(value) || typeof value.id !== 'string' || !KINDS.has(String(value.kind))) return undefined;
  return { ...value, ...(value.name !== undefined && typeof value.name !== 'string' ? { name: JSON.stringify(value.name) } : {}) };
}

/**
 * A run's record as stored in its hash. An agent cluster's runs live in keys
 * its agent writes, so a record may be anything: one that does not parse must
 * not take `drover history`, `/drover status` or a rollout down for every
 * cluster. The id is the one asked for (not the hash's `id`, which would point
 * the reader at another run), a JSON field that does not parse or has the
 * wrong shape is dropped (params become `{}`, the requester an unknown system
 * one), a state Drover does not know reads as failed, and numbers are finite.
 */
export function deserialise(id: string, hash: Record<string, string>): RunRecord {
  const record: Record<string, unknown> = { ...hash, id };
  let broken = false;
  for (const key of JSON_FIELDS) {
    if (hash[key] === undefined) continue;
    const value = parsed(hash[key]);
    delete record[key];
    if (value === undefined || (key !== 'result' && !isObject(value))) broken = true;
    else record[key] = value;
  }
  record.params ??= {};
  const who = requester(record.requester);
  if (!who && record.requester !== undefined) broken = true;
  record.requester = who ?? { kind: 'system', id: 'unknown' };
  if (record.cancelRequestedBy !== undefined && !requester(record.cancelRequestedBy)) record.cancelRequestedBy = { kind: 'system', id: 'unknown' };
  const error = record.error as Record<string, unknown> | undefined;
  if (error && (typeof error.code !== 'string' || typeof error.message !== 'string')) record.error = { code: typeof error.code === 'string' ? error.code : 'unknown', message: typeof error.message === 'string' ? error.message : 'unreadable error' };
  const pack = record.pack as Record<string, unknown> | undefined;
  if (pack && !['name', 'version', 'hash'].every((k) => typeof pack[k] === 'string')) delete record.pack;
  const rollout = record.rollout as Record<string, unknown> | undefined;
  if (rollout && (typeof rollout.id !== 'string' || typeof rollout.hash !== 'string' || !Array.isArray(rollout.clusters))) delete record.rollout;
  // Lua's cjson writes an empty array as {}.
  const approval = record.approval as { approvers?: unknown } | undefined;
  if (approval) approval.approvers = Array.isArray(approval.approvers) ? approval.approvers.filter((a) => requester(a)) : [];
  if (!STATES.has(hash.state ?? '')) {
    record.state = 'failed';
    broken = true;
  }
  if (broken) record.error ??= { code: 'record_unreadable', message: `Run ${id}'s record is not one Drover wrote: some of its fields could not be read.` };
  record.dryRun = hash.dryRun === 'true';
  record.attempts = finite(hash.attempts);
  record.timeoutMs = finite(hash.timeoutMs);
  return record as unknown as RunRecord;
}

function finite(raw: string | undefined): number {
  const n = Number(raw ?? 0);
  return Number.isFinite(n) ? n : 0;
}
