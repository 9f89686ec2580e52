import type { Redis } from 'ioredis';
import type { AuditLog } from '../../audit/audit-log.js';
import type { BindingKey } from '../../approvals/binding-key.js';
import type { RunGate } from '../../approvals/run-gate.js';
import { DroverError } from '../../errors.js';
import type { PreparedRun, RunQueue } from '../../jobs/run-queue.js';
import { isTerminal } from '../../jobs/run-record.js';
import type { RunStore } from '../../jobs/run-store.js';
import { personOf, type Policy, type PolicySubject } from '../../policy/index.js';
import type { RunbookRegistry } from '../../runbook/registry.js';
import type { Requester } from '../../runbook/types.js';
import type { FleetPresence } from '../agent-presence.js';
import type { FleetRegistry } from '../registry.js';
import { batchesOf, describePlan, isRolloutEnded, newRolloutId, rolloutRunId, type Rollout, type RolloutApproval, type RolloutTarget } from './plan.js';
import { rolloutHash } from './rollout-hash.js';
import type { RolloutApproveAnswer, RolloutStore } from './rollout-store.js';
import { parseSelector, selectClusters } from './selector.js';

export interface RolloutsDeps {
  /** Central Redis (the controller's locks). */
  redis: Redis;
  store: RolloutStore;
  runs: RunStore;
  queue: RunQueue;
  gate: RunGate;
  policy: Policy;
  runbooks: RunbookRegistry;
  registry: FleetRegistry;
  audit: AuditLog;
  bindingKey: BindingKey;
  retentionMs: number;
  /** Whether two requesters are one person under two names (Slack and CLI). */
  samePerson?: (a: Requester, b: Requester) => boolean;
  /** Agents' presence: a cluster whose agent is gone longer than `agentWaitMs` while its run is under way fails in the rollout. */
  presence?: Pick<FleetPresence, 'status' | 'now'>;
  /** `fleet.agentWait` (default 5 minutes). */
  agentWaitMs?: number;
  now?: () => Date;
}

export interface RolloutRequest {
  runbook: string;
  params: Record<string, unknown>;
  /** `region=eu,tier=store`. */
  selector: string;
  /** Clusters per batch (default 1). */
  batchSize?: number;
  /** First batch of one cluster when batches are larger (default true). */
  canary?: boolean;
  pauseOnFailure?: boolean;
  maxFailures?: number;
  dryRun?: boolean;
  requester: Requester;
}

/** A rollout planned, not stored yet: what is shown before it starts. */
export interface PlannedRollout {
  rollout: Rollout;
  secrets: Record<string, unknown>;
  text: string;
}

const MAX_LISTED = 10;

function listed(items: string[]): string {
  const shown = items.slice(0, MAX_LISTED).join('; ');
  return items.length > MAX_LISTED ? `${shown}; and ${items.length - MAX_LISTED} more` : shown;
}

function positive(name: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) throw new DroverError('params_invalid', `${name} must be a whole number from 1 to ${max} (got ${String(value)}).`);
  return value;
}

const who = (r: Requester): string => r.name ?? r.id;

/**
 * Fleet rollouts: one runbook on every cluster a selector picks, in batches.
 * Planning asks the policy about every cluster: any refusal refuses the
 * rollout; any approval requirement holds the whole plan for the strictest
 * one, bound to the plan by its hash. The controller runs the batches.
 */
export class Rollouts {
  private readonly now: () => Date;

  constructor(readonly deps: RolloutsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Plans a rollout without storing anything: the clusters, the batches, what
   * the policy says per cluster. Throws params_invalid, cluster_unknown, or
   * permission_denied naming the clusters refused and why (audited).
   */
  async plan(request: RolloutRequest): Promise<PlannedRollout> {
    const { queue, gate, registry, runbooks } = this.deps;
    const selector = parseSelector(request.selector);
    const clusters = selectClusters(selector, await registry.list()).map((c) => c.name);
    const batchSize = positive('The batch size', request.batchSize, 1, 10_000);
    const maxFailures = positive('The failure limit', request.maxFailures, 1, 10_000);
    const id = newRolloutId(this.now().getTime());
    const runbook = runbooks.get(request.runbook);
    const prepared = await queue.prepareMany(clusters.map((cluster) => ({ runbook: runbook.id, params: request.params, cluster, dryRun: request.dryRun ?? false, requester: request.requester, runId: rolloutRunId(id, cluster) })));
    const problems: string[] = [];
    const ok: PreparedRun[] = [];
    prepared.forEach((p, i) => {
      if (p instanceof DroverError) problems.push(`${clusters[i]}: ${p.message}`);
      else ok.push(p);
    });
    // Params are the same for every cluster: one bad value is one message.
    if (problems.length && prepared.every((p) => p instanceof DroverError && p.code === 'params_invalid')) throw prepared[0] as DroverError;
    if (problems.length) throw new DroverError('cluster_unknown', `The rollout cannot start on every cluster it selects: ${listed(problems)}.`);
    const first = ok[0] as PreparedRun;
    const denied: string[] = [];
    const required: Array<{ needed: number; group?: string; reason: string; timeoutMs: number }> = [];
    for (const p of ok) {
      const decision = await gate.decide(p);
      if ('denied' in decision) denied.push(`${p.record.cluster}: ${decision.denied}`);
      else if (decision.approval) required.push(decision.approval);
    }
    if (denied.length) {
      const reason = `The policy refuses ${runbook.id} on ${denied.length} of ${clusters.length} cluster(s): ${listed(denied)}.`;
      await this.deps.audit.append({ type: 'rollout.refused', runbook: runbook.id, selector: selector.text, actor: request.requester, reason });
      throw new DroverError('permission_denied', reason);
    }
    const canary = request.canary ?? true;
    const pauseOnFailure = request.pauseOnFailure ?? true;
    const dryRun = request.dryRun ?? false;
    const { params } = first.record;
    const secrets = first.secrets;
    const hash = rolloutHash(
      { id, runbook: runbook.id, ...(runbook.digest ? { runbookDigest: runbook.digest } : {}), params, secrets, clusters, batchSize, canary, pauseOnFailure, maxFailures, dryRun },
      await this.deps.bindingKey(),
    );
    const now = this.now().toISOString();
    let approval: RolloutApproval | undefined;
    if (required.length) {
      const needed = Math.max(...required.map((r) => r.needed));
      const groups = [...new Set(required.map((r) => r.group ?? ''))];
      const timeoutMs = Math.max(...required.map((r) => r.timeoutMs));
      const reasons = [...new Set(required.map((r) => r.reason))];
      approval = {
        needed,
        ...(groups.length === 1 && groups[0] ? { group: groups[0] } : {}),
        reason: `${required.length} of ${clusters.length} cluster(s) need approval: ${listed(reasons)}`,
        timeoutMs,
        expiresAt: new Date(this.now().getTime() + timeoutMs).toISOString(),
        approvers: [],
      };
    }
    const targets: Record<string, RolloutTarget> = Object.fromEntries(clusters.map((c) => [c, { state: 'pending' }]));
    const rollout: Rollout = {
      id,
      runbook: runbook.id,
      ...(first.record.pack ? { pack: first.record.pack } : {}),
      params,
      selector: selector.text,
      clusters,
      batchSize,
      canary,
      pauseOnFailure,
      maxFailures,
      dryRun,
      requester: request.requester,
      createdAt: now,
      hash,
      state: approval ? 'awaiting_approval' : 'running',
      ...(approval ? { approval } : {}),
      batch: 0,
      targets,
      updatedAt: now,
    };
    const needs = approval ? ` It needs ${approval.needed} approval(s)${approval.group ? ` from ${approval.group}` : ''} of the whole plan before it starts (${approval.reason}).` : '';
    return { rollout, secrets, text: `${describePlan(rollout)}.${needs}` };
  }

  /** Stores a planned rollout: it starts at once, or waits for approval. */
  async start(planned: PlannedRollout): Promise<Rollout> {
    const { rollout, secrets } = planned;
    if (!(await this.deps.store.create(rollout, secrets, this.deps.retentionMs))) throw new DroverError('internal', `Rollout ${rollout.id} exists already.`);
    const a = rollout.approval;
    await this.deps.audit.append({
      type: 'rollout.proposed',
      rolloutId: rollout.id,
      runbook: rollout.runbook,
      params: rollout.params,
      selector: rollout.selector,
      clusters: rollout.clusters,
      batchSize: rollout.batchSize,
      canary: rollout.canary,
      pauseOnFailure: rollout.pauseOnFailure,
      maxFailures: rollout.maxFailures,
      dryRun: rollout.dryRun,
      actor: rollout.requester,
      planHash: rollout.hash,
      needed: a?.needed ?? 0,
      ...(a?.group ? { group: a.group } : {}),
      ...(a ? { reason: a.reason } : {}),
      ...(rollout.pack ? { pack: rollout.pack } : {}),
    });
    return rollout;
  }

  async get(id: string): Promise<Rollout> {
    const rollout = await this.deps.store.get(id);
    if (!rollout) throw new DroverError('run_not_found', `No rollout with id "${id}".`);
    return rollout;
  }

  /** A rollout with its clusters' progress read from their runs (the controller writes it only as often as it looks). */
  async status(id: string): Promise<Rollout> {
    const rollout = await this.get(id);
    const live = Object.entries(rollout.targets).filter(([, t]) => t.runId && (t.state === 'queued' || t.state === 'running'));
    const runs = await this.deps.runs.getMany(live.map(([, t]) => t.runId as string));
    const targets = { ...rollout.targets };
    live.forEach(([cluster, t], i) => {
      const run = runs[i];
      if (run) targets[cluster] = { ...t, ...targetOf(run.state, run.error?.message) };
    });
    return { ...rollout, targets };
  }

  private isRequester(who: Requester, rollout: Rollout): boolean {
    return personOf(who) === personOf(rollout.requester) || (this.deps.samePerson?.(who, rollout.requester) ?? false);
  }

  private async refuse(rollout: Rollout, actor: Requester, reason: string): Promise<never> {
    await this.deps.audit.append({ type: 'rollout.refused', rolloutId: rollout.id, runbook: rollout.runbook, actor, reason });
    throw new DroverError('approval_refused', reason);
  }

  private subject(rollout: Rollout, requester: Requester, cluster: string): PolicySubject {
    return { requester, runbook: this.deps.runbooks.get(rollout.runbook), cluster, params: rollout.params, dryRun: rollout.dryRun };
  }

  /**
   * Counts `approver`'s approval of the plan with hash `hash` (the one shown).
   * The requester never counts; an approver counts only if the policy lets them
   * approve the run on every cluster of the plan that needs approval.
   */
  async approve(id: string, approver: Requester, hash: string): Promise<{ kind: 'approved' | 'counted' | 'duplicate'; rollout: Rollout; approvals: number; needed: number }> {
    const rollout = await this.get(id);
    if (rollout.state !== 'awaiting_approval' || !rollout.approval) throw new DroverError('run_not_pending', `Rollout ${id} is ${rollout.state.replace('_', ' ')}; there is nothing to approve.`);
    if (!approver.id.trim()) return this.refuse(rollout, approver, 'An approval needs a person behind it.');
    if (this.isRequester(approver, rollout)) return this.refuse(rollout, approver, 'You asked for this rollout; someone else must approve it.');
    for (const cluster of rollout.clusters) {
      const subject = this.subject(rollout, rollout.requester, cluster);
      const decision = await this.deps.policy.decide(subject);
      if (!decision.allowed) return this.refuse(rollout, approver, `The policy no longer allows this rollout on ${cluster}: ${decision.reason}`);
      if (!decision.approval) continue;
      const may = await this.deps.policy.mayApprove(approver, subject, decision.approval);
      if (!may.allowed) return this.refuse(rollout, approver, `${who(approver)} may not approve it on ${cluster}: ${may.reason}`);
    }
    const answer = await this.countOnce(rollout, approver, hash);
    const needed = rollout.approval.needed;
    switch (answer.kind) {
      case 'expired':
        await this.expire(id);
        throw new DroverError('approval_expired', `The approval of rollout ${id} has expired; nothing was started.`);
      case 'void':
        throw new DroverError('approval_void', `This approval is for another plan than rollout ${id}'s; review the current one.`);
      case 'missing':
        throw new DroverError('run_not_found', `No rollout with id "${id}".`);
      case 'changed':
        throw new DroverError('internal', `Rollout ${id}'s approvals changed meanwhile; try again.`, { retryable: true });
      case 'state':
        throw new DroverError('run_not_pending', `Rollout ${id} is ${answer.state.replace('_', ' ')}; there is nothing to approve.`);
      case 'duplicate':
        return { kind: 'duplicate', rollout, approvals: answer.approvals, needed };
      default:
        await this.deps.audit.append({ type: 'rollout.approved', rolloutId: id, actor: approver, planHash: hash, approvals: answer.approvals, needed });
        return { kind: answer.kind, rollout: await this.get(id), approvals: answer.approvals, needed };
    }
  }

  /**
   * Counts an approval unless its approver is, by the operator's mapping, one
   * of the approvers already counted under another name (a Slack id and
   * cli:<user> listed as one Kubernetes user): one person, one approval. The
   * store counts it only if the approvers are still those checked against.
   */
  private async countOnce(rollout: Rollout, approver: Requester, hash: string): Promise<RolloutApproveAnswer> {
    const { store, samePerson } = this.deps;
    if (!samePerson) return store.approve(rollout.id, approver, hash, this.now());
    let approvers = rollout.approval?.approvers ?? [];
    // Bounded: each retry means another approval landed meanwhile.
    for (let attempt = 0; attempt < 5; attempt += 1) {
      if (approvers.some((a) => samePerson(a, approver))) return { kind: 'duplicate', approvals: approvers.length };
      const answer = await store.approve(rollout.id, approver, hash, this.now(), approvers.length);
      if (answer.kind !== 'changed') return answer;
      approvers = (await this.get(rollout.id)).approval?.approvers ?? [];
    }
    throw new DroverError('internal', `Rollout ${rollout.id}'s approvals kept changing; try again.`, { retryable: true });
  }

  /** Rejects a rollout awaiting approval (someone who may approve it), or withdraws it (its requester). */
  async reject(id: string, by: Requester): Promise<Rollout> {
    const rollout = await this.get(id);
    if (rollout.state !== 'awaiting_approval') throw new DroverError('run_not_pending', `Rollout ${id} is ${rollout.state.replace('_', ' ')}; there is nothing to reject.`);
    const withdrawn = this.isRequester(by, rollout);
    if (!withdrawn) {
      for (const cluster of rollout.clusters) {
        const subject = this.subject(rollout, rollout.requester, cluster);
        const decision = await this.deps.policy.decide(subject);
        if (!decision.allowed || !decision.approval) continue;
        const may = await this.deps.policy.mayApprove(by, subject, decision.approval);
        if (!may.allowed) return this.refuse(rollout, by, `${who(by)} may not reject it: ${may.reason}`);
      }
    }
    const reason = withdrawn ? `Withdrawn by ${who(by)}.` : `Rejected by ${who(by)}.`;
    const approval = rollout.approval ? { ...rollout.approval, rejectedBy: by } : undefined;
    return this.end(rollout, ['awaiting_approval'], 'rejected', reason, by, approval ? { approval } : {});
  }

  /** Ends a rollout whose approval time is up; true when this call did. */
  async expire(id: string): Promise<boolean> {
    const rollout = await this.deps.store.get(id);
    if (rollout?.state !== 'awaiting_approval' || !rollout.approval) return false;
    if (Date.parse(rollout.approval.expiresAt) > this.now().getTime()) return false;
    const reason = `Expired: ${rollout.approval.approvers.length} of ${rollout.approval.needed} approvals in time. Nothing was started.`;
    try {
      await this.end(rollout, ['awaiting_approval'], 'expired', reason);
      return true;
    } catch {
      return false;
    }
  }

  /** May `by` steer (resume, abort) this rollout: its requester, or someone the policy lets run it on every cluster. */
  private async mayControl(rollout: Rollout, by: Requester, verb: string): Promise<void> {
    if (this.isRequester(by, rollout)) return;
    for (const cluster of rollout.clusters) {
      const decision = await this.deps.policy.decide(this.subject(rollout, by, cluster));
      if (!decision.allowed) return this.refuse(rollout, by, `Only ${who(rollout.requester)} or someone allowed to run ${rollout.runbook} on every cluster of rollout ${rollout.id} may ${verb} it. ${decision.reason}`);
    }
  }

  /** Resumes a paused rollout with its next batch. */
  async resume(id: string, by: Requester): Promise<Rollout> {
    const rollout = await this.get(id);
    if (rollout.state !== 'paused') throw new DroverError('run_not_pending', `Rollout ${id} is ${rollout.state.replace('_', ' ')}, not paused; there is nothing to resume.`);
    await this.mayControl(rollout, by, 'resume');
    const refused = await this.deps.store.transition(id, ['paused'], 'running', { reason: `Resumed by ${who(by)}.` });
    if (refused) throw new DroverError('run_not_pending', `Rollout ${id} is ${refused.replace('_', ' ')}, not paused; there is nothing to resume.`);
    await this.deps.audit.append({ type: 'rollout.resumed', rolloutId: id, actor: by });
    return this.get(id);
  }

  /**
   * Aborts a rollout: no further batch starts, the current batch's runs that
   * have not started are cancelled, and runs under way finish.
   */
  async abort(id: string, by: Requester): Promise<Rollout> {
    const rollout = await this.get(id);
    if (isRolloutEnded(rollout.state)) throw new DroverError('run_not_cancellable', `Rollout ${id} already ${rollout.state}; nothing to abort.`);
    await this.mayControl(rollout, by, 'abort');
    const ended = await this.end(rollout, ['awaiting_approval', 'running', 'paused'], 'cancelled', `Aborted by ${who(by)}.`, by);
    const targets = { ...ended.targets };
    for (const [cluster, target] of Object.entries(targets)) {
      if (!target.runId || (target.state !== 'queued' && target.state !== 'running')) continue;
      const run = await this.deps.queue.cancel(target.runId, by, { unstartedOnly: true }).catch(() => undefined);
      // A run the abort cancelled before it started is a cluster skipped, not failed.
      if (run) targets[cluster] = run.state === 'cancelled' && !run.startedAt ? { state: 'skipped', runId: run.id, error: run.error?.message ?? 'Cancelled.' } : { ...target, ...targetOf(run.state, run.error?.message) };
    }
    await this.deps.store.progress(id, targets, ended.batch);
    return this.get(id);
  }

  /**
   * Ends a rollout in `to` (from one of `from`): clusters not started are
   * skipped, the end is audited, the record kept for the retention period.
   */
  async end(rollout: Rollout, from: Rollout['state'][], to: 'succeeded' | 'failed' | 'stopped' | 'cancelled' | 'rejected' | 'expired', reason: string, actor?: Requester, fields: Partial<Rollout> = {}): Promise<Rollout> {
    const targets: Record<string, RolloutTarget> = Object.fromEntries(Object.entries(rollout.targets).map(([c, t]) => [c, t.state === 'pending' ? { state: 'skipped' } : t]));
    const refused = await this.deps.store.transition(rollout.id, from, to, { ...fields, reason, targets, finishedAt: this.now().toISOString() });
    if (refused) throw new DroverError('run_not_pending', `Rollout ${rollout.id} is ${refused.replace('_', ' ')} already.`);
    const counts = countTargets(targets);
    await this.deps.audit.append({ type: 'rollout.finished', rolloutId: rollout.id, outcome: to, succeeded: counts.succeeded, failed: counts.failed, skipped: counts.skipped, ...(actor ? { actor } : {}), reason });
    await this.deps.store.expire(rollout.id, this.deps.retentionMs);
    return { ...rollout, state: to, reason, targets };
  }

  /** The batches of a rollout, in order. */
  batches(rollout: Rollout): string[][] {
    return batchesOf(rollout);
  }
}

/** A cluster's progress from its run's state. */
export function targetOf(state: string, error?: string): RolloutTarget {
  if (state === 'succeeded') return { state: 'succeeded' };
  if (state === 'running') return { state: 'running' };
  if (isTerminal(state as never)) return { state: 'failed', error: error ?? state };
  return { state: 'queued' };
}

export function countTargets(targets: Record<string, RolloutTarget>): Record<RolloutTarget['state'], number> {
  const counts = { pending: 0, queued: 0, running: 0, succeeded: 0, failed: 0, skipped: 0 };
  for (const t of Object.values(targets)) counts[t.state] += 1;
  return counts;
}
