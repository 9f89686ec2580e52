import type { AuditLog } from '../audit/audit-log.js';
import { DroverError } from '../errors.js';
import type { ApprovalRequest, PreparedRun, RunQueue, RunRequest } from '../jobs/run-queue.js';
import type { RunRecord } from '../jobs/run-record.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Policy } from '../policy/index.js';
import type { RunbookRegistry } from '../runbook/registry.js';
import type { Requester } from '../runbook/types.js';

export interface RunGateDeps {
  queue: RunQueue;
  runbooks: RunbookRegistry;
  policy: Policy;
  audit: AuditLog;
  metrics?: Metrics;
  /**
   * Refuses (throws permission_denied) a requester who has no Kubernetes
   * identity on an impersonating cluster, before anything is held or queued.
   */
  checkIdentity?: (cluster: string, requester: Requester) => void;
}

/**
 * The front door of every run people or alerts ask for: the policy decides
 * whether it may run at all and whether it must wait for approval. A refusal
 * is audited and changes nothing else. Deny by default: the policy fails closed.
 */
export class RunGate {
  constructor(private readonly deps: RunGateDeps) {}

  /** Whether the policy knows this person at all (is in some group): reading the audit log in chat needs it. */
  async known(requester: Requester): Promise<boolean> {
    return (await this.deps.policy.groupsOf(requester)).length > 0;
  }

  /**
   * Cancels a run for `by`: its requester, or someone the policy lets run the
   * same runbook on the same cluster and namespace. Anyone else is refused
   * (audited), and the run goes on.
   */
  async cancel(runId: string, by: Requester): Promise<RunRecord> {
    const { queue, runbooks, policy, audit, metrics } = this.deps;
    const run = await queue.get(runId);
    const own = by.kind === run.requester.kind && by.id === run.requester.id;
    if (!own) {
      const runbook = runbooks.get(run.runbook);
      const decision = await policy.decide({ requester: by, runbook, cluster: run.cluster, params: run.params, dryRun: run.dryRun });
      if (!decision.allowed) {
        const reason = `Only ${run.requester.name ?? run.requester.id} or someone allowed to run ${run.runbook} there may cancel run ${run.id}. ${decision.reason}`;
        metrics?.decisions.inc({ runbook: run.runbook, decision: 'denied' });
        await audit.append({ type: 'permission.denied', action: 'cancel', runId: run.id, actor: by, runbook: run.runbook, cluster: run.cluster, params: run.params, dryRun: run.dryRun, reason });
        throw new DroverError('permission_denied', reason);
      }
    }
    return queue.cancel(runId, by);
  }

  /**
   * What the policy (and the cluster's impersonation) says of a prepared run,
   * counted in drover_policy_decisions_total: a refusal with its reason, or
   * allowed, with the approval it needs if any. Writes nothing else.
   */
  async decide(prepared: PreparedRun): Promise<{ denied: string } | { approval?: ApprovalRequest }> {
    const { runbooks, policy, metrics } = this.deps;
    const { record } = prepared;
    const runbook = runbooks.get(record.runbook);
    const count = (decision: 'allowed' | 'approval_required' | 'denied') => metrics?.decisions.inc({ runbook: runbook.id, decision });
    const decision = await policy.decide({ requester: record.requester, runbook, cluster: record.cluster, params: record.params, dryRun: record.dryRun });
    if (!decision.allowed) {
      count('denied');
      return { denied: decision.reason };
    }
    try {
      this.deps.checkIdentity?.(record.cluster, record.requester);
    } catch (err) {
      if (!(err instanceof DroverError && err.code === 'permission_denied')) throw err;
      count('denied');
      return { denied: err.message };
    }
    if (!decision.approval) {
      count('allowed');
      return {};
    }
    count('approval_required');
    const { approvals, group, timeoutMs, reason } = decision.approval;
    return { approval: { needed: approvals, ...(group ? { group } : {}), reason, timeoutMs } };
  }

  async submit(request: RunRequest): Promise<RunRecord> {
    // Unknown runbook, bad params or unknown cluster: the usual errors, before the policy.
    const prepared = await this.deps.queue.prepare(request);
    const decision = await this.decide(prepared);
    if ('denied' in decision) {
      const { record } = prepared;
      await this.deps.audit.append({ type: 'permission.denied', actor: record.requester, runbook: record.runbook, cluster: record.cluster, params: record.params, dryRun: record.dryRun, reason: decision.denied });
      throw new DroverError('permission_denied', decision.denied);
    }
    return this.deps.queue.submitPrepared(prepared, decision.approval);
  }
}
