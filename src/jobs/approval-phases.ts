import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import { bindingHash } from '../approvals/binding.js';
import { rolloutHash } from '../fleet/rollout/rollout-hash.js';
import type { BindingKey } from '../approvals/binding-key.js';
import type { ProposalStore } from '../approvals/proposal-store.js';
import { DroverError, asDroverError } from '../errors.js';
import type { K8sHooks, K8sOps } from '../k8s/types.js';
import type { Metrics } from '../metrics/metrics.js';
import { parseParams } from '../runbook/params.js';
import type { RunbookRegistry } from '../runbook/registry.js';
import type { Requester, Runbook } from '../runbook/types.js';
import { retryDelay } from './backoff.js';
import { computePlan } from './compute-plan.js';
import type { CtxServicesFactory } from './ctx-services.js';
import { errorOf, literalScrubber, scrubChange } from './run-errors.js';
import type { JobData } from './run-queue.js';
import type { RunError, RunRecord } from './run-record.js';
import type { RunStore } from './run-store.js';
import type { GitOpsWrap } from '../gitops/run-gitops.js';
import type { Tracer } from '@opentelemetry/api';

export interface ApprovalPhasesDeps {
  store: RunStore;
  audit: AuditLog;
  runbooks: RunbookRegistry;
  logger: Logger;
  metrics?: Metrics;
  /** Opens proposals once planned; without it, runs needing approval fail. */
  proposals?: ProposalStore;
  k8s: (args: { cluster: string; dryRun: boolean; hooks: K8sHooks; requester: Requester }) => K8sOps;
  backoffMs: number;
  maxBackoffMs: number;
  retentionMs: number;
  now: () => Date;
  /** The key approval hashes are made with. */
  bindingKey: BindingKey;
  /** Traces the plan's Kubernetes calls; absent when tracing is off. */
  tracer?: Tracer;
  /** Builds ctx.prometheus and ctx.http for the plan; by default none configured. */
  services?: CtxServicesFactory;
  /** The plan of a change to a git-owned object is what its GitOps mode would do (a commit's diff), as the run will. */
  gitops?: GitOpsWrap;
}

/**
 * The worker's part of the approval gate: planning a held run (the dry run its
 * approvers see), and checking, before an approved run changes anything, that
 * it would still make the change that was approved.
 */
export class ApprovalPhases {
  constructor(private readonly deps: ApprovalPhasesDeps) {}

  private async hash(run: RunRecord, runbook: Runbook, secrets: Record<string, unknown>, plan: Parameters<typeof bindingHash>[0]['plan']): Promise<string> {
    const input = { runbook: run.runbook, ...(runbook.digest ? { runbookDigest: runbook.digest } : {}), params: run.params, secrets, cluster: run.cluster, dryRun: run.dryRun, plan };
    return bindingHash(input, await this.deps.bindingKey());
  }

  /** Ends a proposal that is still planning as failed, once. */
  async fail(run: RunRecord, error: RunError): Promise<void> {
    const { store, audit, proposals, metrics } = this.deps;
    const ended = proposals
      ? await proposals.end(run.id, 'failed', { error, now: this.deps.now() })
      : await store.transition(run.id, ['planning'], 'failed', { error, finishedAt: this.deps.now().toISOString() });
    if (ended) return;
    await audit.append({ type: 'run.finished', runId: run.id, runbook: run.runbook, cluster: run.cluster, outcome: 'failed', durationMs: 0, dryRun: run.dryRun, error });
    metrics?.runs.inc({ runbook: run.runbook, outcome: 'failed', dry_run: String(run.dryRun) });
    await store.expire(run.id, this.deps.retentionMs);
  }

  /**
   * The dry run a proposal shows its approvers. Retryable failures (409, 5xx,
   * network) are retried like a run's; others end the proposal as failed.
   */
  async plan(job: Job<JobData>, run: RunRecord): Promise<{ state: string }> {
    const { store, audit, runbooks, logger, proposals, metrics } = this.deps;
    if (run.state !== 'planning') return { state: run.state };
    const fail = (error: RunError) => this.fail(run, error);
    if (!proposals) {
      await fail({ code: 'internal', message: 'This worker cannot open proposals for approval.' });
      throw new UnrecoverableError('no proposal store');
    }
    const secrets = await store.secrets(run.id);
    const scrub = literalScrubber(Object.values(secrets));
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DroverError('run_timed_out', `The dry run timed out after ${Math.round(run.timeoutMs / 1000)}s.`)), run.timeoutMs);
    try {
      const runbook = runbooks.get(run.runbook, run.pack?.hash);
      const params = parseParams(runbook, { ...run.params, ...secrets });
      await store.emit(run.id, { type: 'report', text: 'Planning: a dry run shows the approvers what would change.' });
      const plan = await computePlan({ run, runbook, params, k8s: this.deps.k8s, ...(this.deps.services ? { services: this.deps.services } : {}), ...(this.deps.gitops ? { gitops: this.deps.gitops } : {}), audit, logger, ...(metrics ? { metrics } : {}), tracer: this.deps.tracer, attempt: job.attemptsMade + 1, signal: controller.signal, purpose: 'proposal' });
      // Bound to the plan as it is; shown with the run's secret values scrubbed.
      await proposals.open(run, plan.map(scrubChange(scrub)), await this.hash(run, runbook, secrets, plan), this.deps.now());
      return { state: 'awaiting_approval' };
    } catch (thrown) {
      const err = asDroverError(controller.signal.aborted ? controller.signal.reason : thrown);
      const attemptsLeft = (job.opts.attempts ?? 1) - job.attemptsMade - 1;
      if (err.retryable && attemptsLeft > 0) {
        const delayMs = retryDelay(job.attemptsMade + 1, err, this.deps.backoffMs, this.deps.maxBackoffMs);
        await store.emit(run.id, { type: 'retry', attempt: job.attemptsMade + 1, delayMs, error: errorOf(err) });
        throw err;
      }
      const error = { code: err.code, message: scrub(`The dry run for approval failed: ${err.message}`) };
      await fail(error);
      throw new UnrecoverableError(error.message);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A run a fleet rollout queued: its rollout's approval counts for it only if
   * the rollout's hash, recomputed here from this run's own runbook code,
   * params and secret params and the plan fields the run carries, is the one
   * approved, and this run's cluster is one of the plan's. Checked before every
   * attempt (it reads no cluster). Throws approval_void otherwise.
   */
  private async verifyRollout(run: RunRecord, runbook: Runbook): Promise<void> {
    const marker = run.rollout;
    if (!marker) return;
    const clusters = Array.isArray(marker.clusters) ? marker.clusters.map(String) : [];
    const input = {
      id: String(marker.id),
      runbook: run.runbook,
      ...(runbook.digest ? { runbookDigest: runbook.digest } : {}),
      params: run.params,
      secrets: await this.deps.store.secrets(run.id),
      clusters,
      batchSize: marker.batchSize,
      canary: marker.canary,
      pauseOnFailure: marker.pauseOnFailure,
      maxFailures: marker.maxFailures,
      dryRun: run.dryRun,
    };
    const current = rolloutHash(input, await this.deps.bindingKey());
    // The rollout's run on this cluster is the one run its approval covers (rolloutRunId): the same
    // fields copied into another run, of another rollout or none, are not approved by it.
    const ownRun = run.id === `${run.cluster}.${String(marker.id)}`;
    if (ownRun && clusters.includes(run.cluster) && typeof marker.hash === 'string' && current === marker.hash) return;
    await this.deps.store.emit(run.id, { type: 'approval', action: 'voided', approvals: marker.approval?.approvers?.length ?? 0, needed: marker.approval?.needed ?? 0 });
    await this.deps.audit.append({ type: 'approval.voided', runId: run.id, approvedHash: String(marker.hash), currentHash: current, changes: [] });
    throw new DroverError(
      'approval_void',
      `The rollout approval is void: this run's runbook, params or cluster are not what rollout ${String(marker.id)} was approved for. Nothing was changed.`,
    );
  }

  /**
   * Before an approved run changes anything, a fresh dry run must give the plan
   * that was approved: if the cluster, the params or the runbook changed since,
   * the approval is void and nothing is changed. Skipped once a step has run
   * (a resumed run has already been checked, and its own changes would differ).
   */
  async verify(run: RunRecord, runbook: Runbook, params: Record<string, unknown>, attempt: number, signal: AbortSignal): Promise<void> {
    const { store, audit, logger, metrics } = this.deps;
    if (run.rollout) await this.verifyRollout(run, runbook);
    const approved = run.approval?.hash;
    if (!approved || run.dryRun || (await store.hasCheckpoints(run.id)) || (await store.changes(run.id)).length) return;
    const secrets = await store.secrets(run.id);
    const plan = await computePlan({ run, runbook, params, k8s: this.deps.k8s, ...(this.deps.services ? { services: this.deps.services } : {}), ...(this.deps.gitops ? { gitops: this.deps.gitops } : {}), audit, logger, ...(metrics ? { metrics } : {}), tracer: this.deps.tracer, attempt, signal, purpose: 'verify' });
    const current = await this.hash(run, runbook, secrets, plan);
    if (current === approved) return;
    const shown = plan.map(scrubChange(literalScrubber(Object.values(secrets))));
    await store.emit(run.id, { type: 'report', text: 'What would change now (dry run), which is not what was approved:' });
    for (const change of shown) await store.emit(run.id, { type: 'change', change });
    await store.emit(run.id, { type: 'approval', action: 'voided', approvals: run.approval?.approvers.length ?? 0, needed: run.approval?.needed ?? 1 });
    await audit.append({ type: 'approval.voided', runId: run.id, approvedHash: approved, currentHash: current, changes: shown.map((c) => c.summary) });
    throw new DroverError(
      'approval_void',
      'The approval is void: what this run would change is no longer what was approved (the cluster, the params or the runbook changed). Nothing was changed; ask again for a fresh approval.',
    );
  }
}
