import { randomBytes } from 'node:crypto';
import type { PackIdentity, Requester } from '../../runbook/types.js';
import type { RolloutBatching } from './batching.js';

/**
 * awaiting_approval → running, or rejected | expired | cancelled;
 * running ⇄ paused (a failed batch); running → succeeded | failed (some clusters failed, under the limit)
 * | stopped (the failure limit reached: later batches skipped) | cancelled (aborted).
 */
export type RolloutState = 'awaiting_approval' | 'running' | 'paused' | 'stopped' | 'succeeded' | 'failed' | 'cancelled' | 'rejected' | 'expired';

export const ROLLOUT_ENDED: readonly RolloutState[] = ['stopped', 'succeeded', 'failed', 'cancelled', 'rejected', 'expired'];

export const isRolloutEnded = (state: RolloutState): boolean => ROLLOUT_ENDED.includes(state);

/** One cluster of a rollout: not started yet, its run's state, or skipped (the rollout stopped or was aborted first). */
export type TargetState = 'pending' | 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped';

export interface RolloutTarget {
  state: TargetState;
  runId?: string;
  /** Why it failed (the run's error, or why no run was queued). */
  error?: string;
  /** Since when (ms) its run under way has had no live agent, as the controller saw it. */
  agentAbsentSince?: number;
}

/** What the rollout's approval is bound to: fixed when it is planned, never changed after. */
export interface RolloutPlan extends RolloutBatching {
  id: string;
  runbook: string;
  /** The runbook's pack, version and content hash when planned. */
  pack?: PackIdentity;
  /** Params as shown: secret ones replaced (their values are kept apart, as a run's are). */
  params: Record<string, unknown>;
  /** The selector as given (normalised); the clusters below are what it matched when planned. */
  selector: string;
  dryRun: boolean;
  requester: Requester;
  createdAt: string;
}

/** The rollout's approval, when any cluster's policy asks for one: the strictest requirement, for the whole plan. */
export interface RolloutApproval {
  needed: number;
  /** The approval group when every cluster needing approval names the same one. */
  group?: string;
  reason: string;
  timeoutMs: number;
  expiresAt: string;
  approvers: Requester[];
  rejectedBy?: Requester;
}

/** A rollout as stored: its plan, the binding hash of that plan, and where it stands. */
export interface Rollout extends RolloutPlan {
  /** HMAC of what the plan binds (see rolloutHash). */
  hash: string;
  state: RolloutState;
  approval?: RolloutApproval;
  /** Index of the batch under way (or next, when paused); equal to the number of batches once all ran. */
  batch: number;
  targets: Record<string, RolloutTarget>;
  /** Why it paused, stopped or ended. */
  reason?: string;
  updatedAt: string;
  finishedAt?: string;
  /** The Slack message showing it, when it was asked for in Slack. */
  slack?: { channel: string; ts: string };
}

export type { RolloutMarker } from '../../jobs/run-record.js';

export const ROLLOUT_ID = /^o[a-z0-9]{6,30}$/;

/** `o` + base36 time + 6 random chars: short enough for run ids `<cluster>.<rollout>`. */
export function newRolloutId(now = Date.now()): string {
  const random = randomBytes(5).readUIntBE(0, 5).toString(36).padStart(6, '0').slice(-6);
  return `o${now.toString(36)}${random}`;
}

/** The run a rollout queues on one cluster: deterministic, so a controller resubmitting after a crash finds it. */
export const rolloutRunId = (rolloutId: string, cluster: string): string => `${cluster}.${rolloutId}`;

/** The clusters of each batch, in order. */
export function batchesOf(plan: Pick<RolloutPlan, 'clusters' | 'batchSize' | 'canary'>): string[][] {
  const size = Math.max(1, Math.floor(plan.batchSize));
  const out: string[][] = [];
  let i = 0;
  if (plan.canary && size > 1 && plan.clusters.length > 1) {
    out.push(plan.clusters.slice(0, 1));
    i = 1;
  }
  for (; i < plan.clusters.length; i += size) out.push(plan.clusters.slice(i, i + size));
  return out;
}

export { rolloutHash, type RolloutBindingInput } from './rollout-hash.js';

function paramsText(params: Record<string, unknown>): string {
  const text = Object.entries(params)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function firstOf(names: string[]): string {
  if (names.length <= 2) return names.join(', ');
  return `${names[0]} … ${names[names.length - 1]}`;
}

/**
 * The plan in one line, shown before anything starts:
 * "Rollout o123 of restart-deployment (name=web) on 40 clusters matching region=eu: 8 batches of 5 (first: store-001 … store-005), pause on failure, stop after 2 failures".
 */
export function describePlan(plan: RolloutPlan): string {
  const batches = batchesOf(plan);
  const params = Object.keys(plan.params).length ? ` (${paramsText(plan.params)})` : '';
  const on = `on ${plural(plan.clusters.length, 'cluster')} matching ${plan.selector}`;
  const canaried = plan.canary && plan.batchSize > 1 && batches.length > 1;
  const rest = canaried ? batches.slice(1) : batches;
  const size = rest[0]?.length ?? 0;
  const last = rest[rest.length - 1]?.length ?? 0;
  let shape = `${plural(rest.length, 'batch', 'batches')} of ${size}${last !== size ? `, the last of ${last}` : ''}`;
  shape = canaried ? `a canary (${batches[0]?.[0] ?? ''}), then ${shape}` : `${shape} (first: ${firstOf(batches[0] ?? [])})`;
  const pause = plan.pauseOnFailure ? 'pause on failure' : 'no pause on failure';
  const stop = `stop after ${plural(plan.maxFailures, 'failure')}`;
  return `Rollout ${plan.id} of ${plan.runbook}${params}${plan.dryRun ? ' (dry run)' : ''} ${on}: ${shape}, ${pause}, ${stop}`;
}
