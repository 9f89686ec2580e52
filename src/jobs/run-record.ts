import type { PlannedChange } from '../k8s/types.js';
import type { Requester } from '../runbook/types.js';
import type { RunOutcome } from '../audit/events.js';

/** queued → running → succeeded | failed | cancelled | timed-out (running → queued on a retry). */
export type RunState = 'queued' | 'running' | RunOutcome;

export const TERMINAL_STATES: readonly RunState[] = ['succeeded', 'failed', 'cancelled', 'timed-out'];

export function isTerminal(state: RunState): boolean {
  return TERMINAL_STATES.includes(state);
}

export interface RunError {
  code: string;
  message: string;
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
  | { type: 'retry'; attempt: number; delayMs: number; error: RunError };

export type StoredRunEvent = RunEvent & { id: string; time: string };
