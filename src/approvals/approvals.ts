import { foreignRecord } from '../fleet/names.js';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import { formatDuration } from '../config/duration.js';
import { DroverError } from '../errors.js';
import type { RunQueue } from '../jobs/run-queue.js';
import type { RunRecord } from '../jobs/run-record.js';
import type { RunStore } from '../jobs/run-store.js';
import type { Metrics } from '../metrics/metrics.js';
import { personOf, type ApprovalRequirement, type Policy, type PolicySubject } from '../policy/index.js';
import type { RunbookRegistry } from '../runbook/registry.js';
import type { Requester } from '../runbook/types.js';
import type { ProposalStore } from './proposal-store.js';

export interface ApprovalsDeps {
  proposals: ProposalStore;
  store: RunStore;
  queue: RunQueue;
  runbooks: RunbookRegistry;
  policy: Policy;
  audit: AuditLog;
  logger: Logger;
  metrics?: Metrics;
  retentionMs: number;
  now?: () => Date;
  /** Whether two requesters are one person under two names (Slack and CLI); by default only the same name is. */
  samePerson?: (a: Requester, b: Requester) => boolean;
}

/** What an approver's click did. */
export type ApprovalOutcome =
  | { kind: 'counted'; run: RunRecord; approvals: number; needed: number }
  | { kind: 'approved'; run: RunRecord; approvals: number; needed: number }
  | { kind: 'duplicate'; run: RunRecord; approvals: number; needed: number }
  | { kind: 'rejected'; run: RunRecord };

const who = (r: Requester): string => r.name ?? r.id;
/** One person (grace@desk and grace@laptop are): see personOf. */
const same = (a: Requester, b: Requester): boolean => personOf(a) === personOf(b);

/**
 * Approve, reject and expire proposals. Every refusal is audited; each person
 * counts once; the requester never counts; an approval counts only for the plan
 * the approver saw (its hash).
 */
export class Approvals {
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: ApprovalsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Whether `who` is the requester, under this name or another the operator mapped to the same person. */
  private isRequester(who: Requester, run: RunRecord): boolean {
    return same(who, run.requester) || (this.deps.samePerson?.(who, run.requester) ?? false);
  }

  private async pending(runId: string): Promise<{ run: RunRecord; subject: PolicySubject; requirement: ApprovalRequirement }> {
    const run = await this.deps.store.get(runId);
    if (!run) throw new DroverError('run_not_found', `No run with id "${runId}".`);
    if (!run.approval) throw new DroverError('run_not_pending', `Run ${runId} needs no approval.`);
    if (run.state !== 'awaiting_approval' && run.state !== 'planning') {
      throw new DroverError('run_not_pending', `Run ${runId} is ${run.state.replace('_', ' ')}; there is nothing to decide.`);
    }
    const runbook = this.deps.runbooks.get(run.runbook);
    const subject: PolicySubject = { requester: run.requester, runbook, cluster: run.cluster, params: run.params, dryRun: run.dryRun };
    const { needed, group, timeoutMs, reason } = run.approval;
    return { run, subject, requirement: { approvals: needed, ...(group ? { group } : {}), timeoutMs, reason } };
  }

  private async refuse(run: RunRecord, actor: Requester, reason: string): Promise<never> {
    this.deps.metrics?.approvals.inc({ runbook: run.runbook, outcome: 'refused' });
    await this.deps.audit.append({ type: 'approval.refused', runId: run.id, actor, reason });
    throw new DroverError('approval_refused', reason);
  }

  /**
   * Counts `approver`'s approval of the plan with hash `hash`. Enough approvals
   * queue the run. Throws approval_refused (audited) for the requester or
   * someone the policy does not allow, approval_void for an outdated plan,
   * approval_expired, run_not_pending.
   */
  async approve(runId: string, approver: Requester, hash: string): Promise<ApprovalOutcome> {
    const { proposals, store, metrics } = this.deps;
    const { run, subject, requirement } = await this.pending(runId);
    if (!approver.id.trim()) return this.refuse(run, approver, 'An approval needs a person behind it.');
    const foreign = foreignRecord(run);
    if (foreign) return this.refuse(run, approver, `${foreign}; it cannot be approved.`);
    if (this.isRequester(approver, run)) return this.refuse(run, approver, 'You asked for this run; someone else must approve it.');
    // One person under another name (a Slack id and cli:<user> mapped to one user) counts once, as the worker counts them.
    const counted = run.approval?.approvers ?? [];
    if (counted.some((a) => this.deps.samePerson?.(a, approver) ?? false)) {
      metrics?.approvals.inc({ runbook: run.runbook, outcome: 'duplicate' });
      return { kind: 'duplicate', run, approvals: counted.length, needed: requirement.approvals };
    }
    const may = await this.deps.policy.mayApprove(approver, subject, requirement);
    if (!may.allowed) return this.refuse(run, approver, may.reason);
    if (run.state === 'planning') throw new DroverError('run_not_pending', `Run ${runId} is still being planned; approve it once its plan is shown.`);

    const answer = await proposals.approve(runId, approver, hash, this.now());
    const needed = requirement.approvals;
    switch (answer.kind) {
      case 'expired':
        await this.expire(runId);
        throw new DroverError('approval_expired', `The approval of run ${runId} has expired; nothing was changed.`);
      case 'void':
        metrics?.approvals.inc({ runbook: run.runbook, outcome: 'voided' });
        throw new DroverError('approval_void', `This approval is for an outdated plan of run ${runId}; review the current one.`);
      case 'missing':
        throw new DroverError('run_not_found', `No run with id "${runId}".`);
      case 'state':
        throw new DroverError('run_not_pending', `Run ${runId} is ${answer.state.replace('_', ' ')}; there is nothing to approve.`);
      case 'duplicate':
        metrics?.approvals.inc({ runbook: run.runbook, outcome: 'duplicate' });
        return { kind: 'duplicate', run, approvals: answer.approvals, needed };
      case 'counted':
      case 'approved': {
        metrics?.approvals.inc({ runbook: run.runbook, outcome: answer.kind });
        // The approve script left this event in the audit outbox with the approval itself.
        await this.deps.audit.outbox.deliver(answer.grant);
        await store.emit(runId, { type: 'approval', action: 'approved', by: approver, approvals: answer.approvals, needed });
        const current = (await store.get(runId)) ?? run;
        if (answer.kind === 'approved') {
          await store.emit(runId, { type: 'state', state: 'queued' });
          await this.deps.queue.release(current);
          await proposals.released(runId);
        }
        return { kind: answer.kind, run: current, approvals: answer.approvals, needed };
      }
    }
  }

  /**
   * Rejects a proposal: by someone who may approve it, or withdrawn by the
   * requester. Anyone else is refused (and audited).
   */
  async reject(runId: string, by: Requester): Promise<ApprovalOutcome> {
    const { proposals, audit, store, metrics } = this.deps;
    const { run, subject, requirement } = await this.pending(runId);
    const withdrawn = this.isRequester(by, run);
    if (!withdrawn) {
      const may = await this.deps.policy.mayApprove(by, subject, requirement);
      if (!may.allowed) return this.refuse(run, by, may.reason);
    }
    const message = withdrawn ? `Withdrawn by ${who(by)}.` : `Rejected by ${who(by)}.`;
    const refused = await proposals.end(runId, 'rejected', { error: { code: 'approval_rejected', message }, rejectedBy: by, now: this.now() });
    if (refused) throw new DroverError('run_not_pending', `Run ${runId} is ${refused.replace('_', ' ')}; there is nothing to reject.`);
    metrics?.approvals.inc({ runbook: run.runbook, outcome: 'rejected' });
    metrics?.runs.inc({ runbook: run.runbook, outcome: 'rejected', dry_run: String(run.dryRun) });
    await store.emit(runId, { type: 'approval', action: 'rejected', by, approvals: run.approval?.approvers.length ?? 0, needed: requirement.approvals });
    await audit.append({ type: 'approval.rejected', runId, actor: by });
    await audit.append({ type: 'run.finished', runId, runbook: run.runbook, cluster: run.cluster, outcome: 'rejected', durationMs: 0, dryRun: run.dryRun, error: { code: 'approval_rejected', message } });
    await store.expire(runId, this.deps.retentionMs);
    return { kind: 'rejected', run: (await store.get(runId)) ?? run };
  }

  /** Expires one proposal if its time is up; true when it did. */
  async expire(runId: string): Promise<boolean> {
    const { proposals, audit, store, metrics } = this.deps;
    const run = await store.get(runId);
    if (!run) {
      await proposals.forget(runId);
      return false;
    }
    const approvals = run.approval?.approvers.length ?? 0;
    const needed = run.approval?.needed ?? 1;
    const message = `Expired: ${approvals} of ${needed} approvals within ${formatDuration(run.approval?.timeoutMs ?? 0)}. Nothing was changed.`;
    const refused = await proposals.end(runId, 'expired', { error: { code: 'approval_expired', message }, now: this.now(), onlyIfExpired: true });
    if (refused) {
      if (refused !== 'pending') await proposals.forget(runId);
      return false;
    }
    metrics?.approvals.inc({ runbook: run.runbook, outcome: 'expired' });
    metrics?.runs.inc({ runbook: run.runbook, outcome: 'expired', dry_run: String(run.dryRun) });
    await store.emit(runId, { type: 'approval', action: 'expired', approvals, needed });
    await audit.append({ type: 'approval.expired', runId, approvals, needed });
    await audit.append({ type: 'run.finished', runId, runbook: run.runbook, cluster: run.cluster, outcome: 'expired', durationMs: 0, dryRun: run.dryRun, error: { code: 'approval_expired', message } });
    await store.expire(runId, this.deps.retentionMs);
    return true;
  }

  /**
   * Expires every proposal whose time is up, and queues approved runs whose
   * releasing process died before adding their job. Safe to run in several
   * processes at once.
   */
  async sweep(): Promise<number> {
    let expired = 0;
    for (const runId of await this.deps.proposals.due(this.now())) {
      // One run's failure (an agent cluster's record is its agent's to write) must not stop the others' expiry.
      if (await this.expire(runId).catch((err: unknown) => void this.deps.logger.warn({ err, runId }, 'approvals: expiring a proposal failed'))) expired += 1;
    }
    await this.releaseStranded();
    return expired;
  }

  private async releaseStranded(): Promise<void> {
    const { proposals, store, queue } = this.deps;
    for (const runId of await proposals.unreleased(new Date(this.now().getTime() - 30_000))) {
      const run = await store.get(runId);
      // Adding a job whose id exists is a no-op in BullMQ, so a slow releaser and this one cannot both queue it.
      if (run?.state === 'queued' && !(await queue.queueOf(run).getJob(runId))) await queue.release(run);
      await proposals.released(runId);
    }
  }

  start(intervalMs = 5000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.deps.logger.warn({ err }, 'approvals: expiry sweep failed'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
