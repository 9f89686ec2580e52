import type { PlannedChange } from '../k8s/types.js';
import type { RolloutBatching } from '../fleet/rollout/batching.js';
import type { PackIdentity, Requester } from '../runbook/types.js';
import type { RunOutcome } from '../audit/events.js';

/**
 * queued → running → succeeded | failed | cancelled | timed-out (running → queued on a retry).
 * A run that needs approval starts as planning (its dry run) → awaiting_approval →
 * queued once approved, or rejected | expired | failed | cancelled.
 */
export type RunState = 'planning' | 'awaiting_approval' | 'queued' | 'running' | RunOutcome;

export const TERMINAL_STATES: readonly RunState[] = ['succeeded', 'failed', 'cancelled', 'timed-out', 'rejected', 'expired'];

/** States of a run held for approval: not started, withdrawn without touching a worker. */
export const HELD_STATES: readonly RunState[] = ['planning', 'awaiting_approval'];

export function isHeld(state: RunState): boolean {
  return HELD_STATES.includes(state);
}

/** Where a run that needs approval stands. */
export interface ApprovalState {
  /** Approvals needed, from people other than the requester. */
  needed: number;
  /** Policy group the approvers must belong to; absent: anyone the policy lets run it. */
  group?: string;
  /** Why approval is needed (policy rule or runbook declaration). */
  reason: string;
  timeoutMs: number;
  /** Set once the plan is ready and the proposal is open. */
  expiresAt?: string;
  /** Binding hash of runbook, params, cluster and plan, set with the plan. */
  hash?: string;
  /** Who approved so far, in order (each person once). */
  approvers: Requester[];
  /** Who rejected, when rejected. */
  rejectedBy?: Requester;
}

export function isTerminal(state: RunState): boolean {
  return TERMINAL_STATES.includes(state);
}

export interface RunError {
  code: string;
  message: string;
}

/**
 * What a run queued by a rollout carries so the worker can check the rollout's
 * approval itself, without reading the rollout (an agent may touch only its own
 * cluster's keys): the plan fields the hash binds besides the run's own
 * runbook, params and cluster, the hash, and who approved.
 */
export interface RolloutMarker extends RolloutBatching {
  id: string;
  hash: string;
  /** The rollout's approval requirement and approvers; absent when it needed none. */
  approval?: { needed: number; group?: string; reason: string; timeoutMs: number; approvers: Requester[] };
}

/** A run as stored in Redis: the one place its state lives. */
export interface RunRecord {
  id: string;
  runbook: string;
  cluster: string;
  params: Record<string, unknown>;
  dryRun: boolean;
  requester: Requester;
  state: RunState;
  /** Target lock key, e.g. `deployment/shop/web`. */
  concurrencyKey: string;
  timeoutMs: number;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Attempts started so far. */
  attempts: number;
  error?: RunError;
  result?: unknown;
  cancelRequestedBy?: Requester;
  /** Present when the run needs approval. */
  approval?: ApprovalState;
  /**
   * The runbook's pack, pack version and content hash: set when the run is
   * queued, and again by the worker with the version it actually runs.
   */
  pack?: PackIdentity;
  /** Set when a fleet rollout queued the run: what the worker checks the rollout's approval against. */
  rollout?: RolloutMarker;
  /** A running run waiting outside Drover (RunParked): when it looks again (ISO); cleared when it wakes. */
  parkedUntil?: string;
  /** What it last waited for (kept after it wakes, so the same wait is told once). */
  parkedReason?: string;
}

/** What followers of a run (CLI --wait, a Slack thread) see, in order. */
export type RunEvent =
  | { type: 'state'; state: RunState; message?: string }
  | { type: 'waiting'; heldBy: string; concurrencyKey: string }
  | {
      type: 'step';
      step: string;
      phase: 'started' | 'succeeded' | 'failed' | 'replayed' | 'skipped';
      durationMs?: number;
      error?: RunError;
    }
  | { type: 'report'; text: string }
  | { type: 'change'; change: PlannedChange }
  | { type: 'retry'; attempt: number; delayMs: number; error: RunError }
  | { type: 'approval'; action: 'requested' | 'approved' | 'rejected' | 'expired' | 'voided'; by?: Requester; approvals: number; needed: number };

export type StoredRunEvent = RunEvent & { id: string; time: string };
