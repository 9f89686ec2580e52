import type { PackIdentity, Requester } from '../runbook/types.js';
import type { MutationRecord } from '../k8s/types.js';
import type { PromQueryRecord } from '../prometheus/types.js';
import type { HttpRequestRecord } from '../outbound/http-types.js';
import type { RolloutBatching } from '../fleet/rollout/batching.js';
import type { GitOpsStageRecord } from '../gitops/stage-record.js';

/** What became of one alert Drover received: each alert ends in exactly one. */
export type AlertOutcome = 'enqueued' | 'deduplicated' | 'unmatched' | 'breaker_open' | 'approval_required' | 'denied' | 'resolved' | 'rejected';

/** Whether an automatic run fixed what its alert was about. */
export type RemediationResult = 'remediated' | 'not-cleared' | 'run-failed';

/**
 * What became of one fire of a schedule on one cluster: a run queued, or proposed for approval;
 * or no run: the previous one still unfinished (`skipped`), too late after downtime (`missed`),
 * refused by the policy (`denied`), by the runbook's rate limit (`limited`), or invalid (`rejected`).
 */
export type ScheduleFireOutcome = 'queued' | 'proposed' | 'skipped' | 'missed' | 'denied' | 'limited' | 'rejected';

/** Terminal outcome of a run. */
export type RunOutcome = 'succeeded' | 'failed' | 'cancelled' | 'timed-out' | 'rejected' | 'expired';

/**
 * Every audit event, as a discriminated union on `type`. New features add
 * members; readers must ignore types they do not know. The audit log redacts
 * every event before it is chained (secret params, tokens, configured patterns).
 */
/** Who asked for which run: what `run.queued` and `run.proposed` both record. */
interface RunRequested {
  runId: string;
  runbook: string;
  cluster: string;
  params: Record<string, unknown>;
  dryRun: boolean;
  actor: Requester;
  /** The pack, its version and the runbook's content hash the run was queued with. */
  pack?: PackIdentity;
}

export type AuditEventBody =
  | ({ type: 'run.queued' } & RunRequested)
  /** `pack`: the runbook's pack, version and content hash this attempt runs. */
  | { type: 'run.started'; runId: string; runbook: string; cluster: string; attempt: number; resumed: boolean; pack?: PackIdentity }
  | { type: 'run.waiting'; runId: string; concurrencyKey: string; heldBy: string }
  | { type: 'run.step.started'; runId: string; step: string; attempt: number; execution: number }
  | {
      type: 'run.step.finished';
      runId: string;
      step: string;
      attempt: number;
      /** `parked`: the step waits outside Drover (a pull request, a reconciler) and runs again when the run wakes. */
      outcome: 'succeeded' | 'failed' | 'replayed' | 'skipped' | 'parked';
      durationMs: number;
      error?: { code: string; message: string };
    }
  | ({ type: 'k8s.mutation'; runId: string } & MutationRecord)
  /** A ctx.prometheus query (sent in dry runs too: reads are real). */
  | ({ type: 'prometheus.query'; runId: string } & PromQueryRecord)
  /** A ctx.http request: sent, or (a write in a dry run) planned only. */
  | ({ type: 'http.request'; runId: string } & HttpRequestRecord)
  | { type: 'run.retrying'; runId: string; attempt: number; delayMs: number; error: { code: string; message: string } }
  /** A running run waits outside Drover until `until` (recorded when what it waits for changes, not at every look). */
  | { type: 'run.parked'; runId: string; until: string; reason: string }
  /** One stage of a change to an object git owns (docs/gitops.md). */
  | ({ type: 'gitops.stage'; runId: string } & GitOpsStageRecord)
  | { type: 'run.cancel.requested'; runId: string; actor: Requester }
  | {
      type: 'command.received';
      actor: Requester;
      /** Slack channel id, or `terminal`. */
      channel: string;
      verb: string;
      /** The command's words; values of secret params (and of unknown runbooks' params) masked. */
      args: string[];
      cluster?: string;
      dryRun?: boolean;
    }
  | {
      type: 'permission.denied';
      /** What was refused: a run (default) or cancelling one. */
      action?: 'run' | 'cancel';
      /** The run concerned, for a refused cancel. */
      runId?: string;
      actor: Requester;
      runbook: string;
      cluster: string;
      params: Record<string, unknown>;
      dryRun: boolean;
      reason: string;
    }
  | ({ type: 'run.proposed'; needed: number; group?: string; reason: string } & RunRequested)
  | {
      type: 'approval.requested';
      runId: string;
      runbook: string;
      cluster: string;
      params: Record<string, unknown>;
      actor: Requester;
      /** Binding hash of runbook, params, cluster and plan (not `hash`: that is the chain's). */
      planHash: string;
      needed: number;
      group?: string;
      reason: string;
      expiresAt: string;
      /** One line per object the dry run would change. */
      changes: string[];
    }
  | { type: 'approval.granted'; runId: string; actor: Requester; planHash: string; approvals: number; needed: number }
  | { type: 'approval.refused'; runId: string; actor: Requester; reason: string }
  | { type: 'approval.rejected'; runId: string; actor: Requester }
  | { type: 'approval.expired'; runId: string; approvals: number; needed: number }
  | { type: 'approval.voided'; runId: string; approvedHash: string; currentHash: string; changes: string[] }
  /** A worker's own check refused a queued run (its policy, or approvals it cannot count); the run was not started. */
  | { type: 'run.refused'; runId: string; runbook: string; cluster: string; actor: Requester; by: 'worker'; code: string; reason: string }
  | {
      type: 'alert.received';
      fingerprint: string;
      alertname: string;
      status: 'firing' | 'resolved';
      startsAt: string;
      outcome: AlertOutcome;
      runIds: string[];
      reason?: string;
    }
  | {
      type: 'schedule.fired';
      /** `<runbook>/<name>`. */
      schedule: string;
      runbook: string;
      cluster: string;
      /** When the fire was due (ISO 8601). */
      scheduledAt: string;
      outcome: ScheduleFireOutcome;
      /** The run it queued or proposed, or (skipped) the unfinished run it yielded to. */
      runId?: string;
      reason?: string;
      /** Fires this one stands for when it came late (Drover was down): they collapse into one. */
      missedFires?: number;
    }
  | { type: 'alert.payload.rejected'; alerts: number; reason: string }
  | { type: 'alert.escalated'; fingerprint: string; alertname: string; reason: string; runId?: string }
  | { type: 'alert.remediation'; fingerprint: string; alertname: string; runId: string; result: RemediationResult }
  /** An agent's stream held an event the central relay would not append as it was: not about its own cluster's runs, or not an agent's to record. */
  | { type: 'fleet.event.refused'; cluster: string; eventType: string; reason: string }
  /** A fleet rollout was planned and stored: what its approval (if any) is bound to (`planHash`). */
  | ({
      type: 'rollout.proposed';
      rolloutId: string;
      runbook: string;
      params: Record<string, unknown>;
      selector: string;
      dryRun: boolean;
      actor: Requester;
      planHash: string;
      needed: number;
      group?: string;
      reason?: string;
      pack?: PackIdentity;
    } & RolloutBatching)
  /** A rollout the policy refused (some cluster denied), or an approval, resume or abort of one that was refused. */
  | { type: 'rollout.refused'; rolloutId?: string; runbook: string; selector?: string; actor: Requester; reason: string }
  /** One approval of a rollout's whole plan counted. */
  | { type: 'rollout.approved'; rolloutId: string; actor: Requester; planHash: string; approvals: number; needed: number }
  | { type: 'rollout.batch.started'; rolloutId: string; batch: number; batches: number; clusters: string[] }
  /** A failed batch paused the rollout (`pauseOnFailure`); `failed`: the clusters that failed in it. */
  | { type: 'rollout.paused'; rolloutId: string; batch: number; failed: string[]; reason: string }
  | { type: 'rollout.resumed'; rolloutId: string; actor: Requester }
  | {
      type: 'rollout.finished';
      rolloutId: string;
      outcome: 'succeeded' | 'failed' | 'stopped' | 'cancelled' | 'rejected' | 'expired';
      succeeded: number;
      failed: number;
      skipped: number;
      actor?: Requester;
      reason?: string;
    }
  | {
      type: 'run.finished';
      runId: string;
      runbook: string;
      cluster: string;
      outcome: RunOutcome;
      durationMs: number;
      dryRun: boolean;
      error?: { code: string; message: string };
      /** The runbook's pack, version and content hash, as recorded on the run. */
      pack?: PackIdentity;
    };

export type AuditEventType = AuditEventBody['type'];

/** An event as stored: the body plus when it happened, a schema version and its link in the hash chain. */
export type AuditEvent = AuditEventBody & {
  /** Schema version of the event envelope. */
  v: 1;
  /** ISO 8601 time the event was recorded. */
  time: string;
  /** Position in the log, from 1, without gaps. */
  seq: number;
  /** Hash of the event before. */
  prev: string;
  /** SHA-256 of this event (canonical JSON, hash and id excluded). */
  hash: string;
  /** Stream entry id, set when read back. */
  id?: string;
};
