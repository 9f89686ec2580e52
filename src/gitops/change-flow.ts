/**
 * One mutation of one object, when git may own it. Not owned: the mutation
 * goes ahead as always. Owned: what the mode says, each stage audited and
 * told to the run's followers:
 * - refuse: nothing changes, the error says who owns it and how to proceed;
 * - direct (policy only): the mutation goes ahead, the plan says it is drift;
 * - propose: a commit on a branch and a pull request; the run parks until the
 *   merge, then until the reconciler applied it, then checks the cluster;
 * - suspend: the reconciler suspended for a bounded window, the mutation made,
 *   the same pull request opened; resumed when it merges (then synced and
 *   verified as propose) or when the window ends.
 * Each stage is kept in the run's gitops progress, so a run that parks,
 * crashes or is retried takes up where it was and never opens a second
 * request or suspends twice.
 */
import { DroverError } from '../errors.js';
import { formatDuration } from '../config/duration.js';
import type { KubeObject, PlannedChange } from '../k8s/types.js';
import { RunParked } from '../jobs/run-parked.js';
import type { Requester } from '../runbook/types.js';
import { fieldLine, holds, readField } from './field-path.js';
import type { ModeDecision } from './mode.js';
import type { GitOpsK8s, GitOpsParts, RepositoryHandle } from './parts.js';
import { branchFor, commitMessage, prBody, prTitle, type ProposalFacts } from './pr-text.js';
import type { GitOpsStageRecord } from './stage-record.js';
import type { EditRequest, FieldChange, GitOpsOwner, ObjectRef, PullRequest } from './types.js';

/** A mutation the wrapper intercepted. */
export interface ChangeTarget {
  object: ObjectRef;
  /** The fields it sets; undefined when it cannot be written as field edits (a rollback, an apply). */
  fields?: FieldChange[];
  /** `scale`, `set maxReplicas of`, `patch`… */
  verb: string;
  /** The mutation itself, through the run's ctx.k8s. */
  direct(): Promise<PlannedChange>;
  /** Reads the live object (default: the generic get of `object`). */
  read?(): Promise<KubeObject>;
}

/** The live object; undefined when it does not exist (then nobody owns it, and the mutation's own answer says so). */
async function readLive(deps: ChangeFlowDeps, target: ChangeTarget): Promise<KubeObject | undefined> {
  const { object } = target;
  try {
    if (target.read) return await target.read();
    return await deps.k8s.get<KubeObject>(object.apiVersion, object.kind, object.name, object.namespace ? { namespace: object.namespace } : {});
  } catch (err) {
    if (err instanceof DroverError && err.code === 'k8s_not_found') return undefined;
    throw err;
  }
}

export interface GitOpsTimings {
  pollIntervalMs: number;
  mergeTimeoutMs: number;
  syncTimeoutMs: number;
  /** The longest suspension (the runbook's window, capped by the settings'). */
  suspendWindowMs: number;
}

export interface ChangeFlowDeps {
  parts: GitOpsParts;
  k8s: GitOpsK8s;
  run: { id: string; runbook: string; cluster: string; dryRun: boolean; requester: Requester };
  decide(namespace: string | undefined): ModeDecision;
  timings: GitOpsTimings;
  progress: { get(key: string): Promise<Record<string, unknown> | undefined>; set(key: string, value: Record<string, unknown>): Promise<void> };
  report(text: string): Promise<void>;
  audit(record: GitOpsStageRecord): Promise<void>;
  /** Adds a change to the run's plan/changes (scrubbed by the caller). */
  addChange(change: PlannedChange): Promise<void>;
  now(): Date;
}

type Stage = 'pushed' | 'proposed' | 'merged' | 'synced' | 'verified' | 'suspended' | 'applied';

interface Progress {
  stage: Stage;
  startedAt: number;
  branch?: string;
  commit?: string;
  pr?: { number: number; url: string };
  lines?: string[];
  diff?: string;
  baseBranch?: string;
  mergeSha?: string;
  mergedAt?: number;
  mergedBy?: string;
  revision?: string;
  until?: number;
  alreadySuspended?: boolean;
  resumed?: boolean;
  recorded?: boolean;
  /** Each field's value when the change began. */
  from?: unknown[];
}

const label = (o: ObjectRef) => `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
const ownerLabel = (o: GitOpsOwner) => `${o.tool === 'flux' ? 'Flux' : 'Argo CD'} ${o.kind} ${o.namespace}/${o.name}`;
const short = (sha: string | undefined) => (sha ?? '').slice(0, 7);

/** Progress as stored, or undefined when it is missing or not ours. */
function progressOf(raw: Record<string, unknown> | undefined): Progress | undefined {
  return raw && typeof raw.stage === 'string' && typeof raw.startedAt === 'number' ? (raw as unknown as Progress) : undefined;
}

function changeKey(target: ChangeTarget): string {
  const fields = (target.fields ?? []).map((f) => f.path.join('.')).join(',');
  return `${target.object.kind}/${target.object.namespace ?? ''}/${target.object.name}:${fields}`;
}

/** Runs one intercepted mutation under its GitOps mode. */
export async function changeGitOwned(deps: ChangeFlowDeps, target: ChangeTarget): Promise<PlannedChange> {
  const { object } = target;
  const live = await readLive(deps, target);
  const owner = live && (await deps.parts.findOwner(deps.k8s, live));
  if (!owner) return target.direct();
  const decision = deps.decide(object.namespace);
  const key = changeKey(target);
  // What the field held when this change began (kept in its progress): after the merge the live object holds the new value.
  const saved = deps.run.dryRun ? undefined : progressOf(await deps.progress.get(key));
  const began = saved?.from;
  const fields = (target.fields ?? []).map((f, i) => ({ ...f, from: Array.isArray(began) && began.length === (target.fields ?? []).length ? ((began[i]) ?? undefined) : readField(live, f.path) }));
  const record = (stage: GitOpsStageRecord['stage'], extra: Partial<GitOpsStageRecord> = {}): GitOpsStageRecord => ({
    stage,
    cluster: deps.run.cluster,
    mode: decision.mode,
    object: { kind: object.kind, ...(object.namespace ? { namespace: object.namespace } : {}), name: object.name },
    owner: { tool: owner.tool, kind: owner.kind, namespace: owner.namespace, name: owner.name },
    fields: fields.map(fieldLine),
    ...extra,
  });

  if (decision.mode === 'refuse' || ((decision.mode === 'propose' || decision.mode === 'suspend') && !target.fields)) {
    const why =
      decision.mode === 'refuse'
        ? `GitOps mode refuse (${decision.from})`
        : `this change (${target.verb}) cannot be written as field edits in git, so mode ${decision.mode} (${decision.from}) cannot carry it`;
    await deps.audit(record('refused', { detail: why }));
    throw new DroverError(
      'gitops_refused',
      `${label(object)} is ${owner.text}. ${why}: nothing was changed. Change it in git, or let a policy gitops entry allow propose, suspend or direct for this runbook.`,
    );
  }
  if (decision.mode === 'direct') {
    await deps.report(`${label(object)} is ${owner.text}; changing it directly (${decision.from}) — git still says otherwise, so it is drift.`);
    const change = await target.direct();
    await deps.audit(record('direct', { detail: decision.from }));
    return change;
  }
  const repo = await deps.parts.repository(owner);
  const request: EditRequest = {
    object,
    fields,
    path: owner.path,
    source: owner.source,
    ...(live.metadata.annotations ? { annotations: live.metadata.annotations } : {}),
  };
  const flow = new Flow(deps, target, owner, decision, repo, request, record, key, saved);
  // Nothing to change in the cluster (and no flow of this run under way): git may differ, but there is no drift to fix.
  if (!deps.run.dryRun && fields.every((f) => holds(live, f)) && !saved) return target.direct();
  return decision.mode === 'propose' ? flow.propose() : flow.suspend();
}

class Flow {
  constructor(
    private readonly deps: ChangeFlowDeps,
    private readonly target: ChangeTarget,
    private readonly owner: GitOpsOwner,
    private readonly decision: ModeDecision,
    private readonly repo: RepositoryHandle,
    private readonly request: EditRequest,
    private readonly record: (stage: GitOpsStageRecord['stage'], extra?: Partial<GitOpsStageRecord>) => GitOpsStageRecord,
    private readonly key: string,
    /** This change's progress as the call began (one read per call). */
    private readonly saved: Progress | undefined,
  ) {}

  private get now(): number {
    return this.deps.now().getTime();
  }

  private facts(lines: string[], until?: number): ProposalFacts {
    const { run } = this.deps;
    return {
      runId: run.id,
      runbook: run.runbook,
      cluster: run.cluster,
      requester: run.requester,
      object: label(this.target.object),
      fields: this.request.fields.map(fieldLine),
      lines,
      owner: this.owner,
      mode: this.decision.mode === 'suspend' ? 'suspend' : 'propose',
      ...(until !== undefined ? { suspendedUntil: new Date(until).toISOString() } : {}),
    };
  }

  private async save(p: Progress): Promise<void> {
    await this.deps.progress.set(this.key, p as unknown as Record<string, unknown>);
  }

  private froms(): unknown[] {
    return this.request.fields.map((f) => f.from ?? null);
  }

  /** The dry run's plan: the commit's diff, nothing pushed. */
  private async plan(extra?: PlannedChange): Promise<PlannedChange> {
    const prepared = await this.deps.parts.prepare(this.repo, this.request);
    const { object } = this.target;
    const how = this.decision.mode === 'suspend' ? `suspend ${ownerLabel(this.owner)} for ${formatDuration(this.deps.timings.suspendWindowMs)}, change it directly, and propose` : 'propose';
    const change: PlannedChange = {
      verb: 'patch',
      kind: object.kind,
      ...(object.namespace ? { namespace: object.namespace } : {}),
      name: object.name,
      dryRun: true,
      summary: `${how} to ${this.repo.url} (${prepared.baseBranch}): ${prepared.lines.join('; ') || 'git already holds it'} — ${this.owner.text}`,
      diff: prepared.diff,
    };
    await this.deps.addChange(change);
    await this.deps.audit(this.record('planned', { repo: this.repo.url, detail: prepared.lines.join('; ') }));
    return extra ? { ...extra, summary: `${extra.summary}; then ${change.summary}`, diff: [extra.diff, prepared.diff].filter(Boolean).join('\n') } : change;
  }

  /** Commit, push and open the pull request (once: a retry finds both). */
  /**
   * Commit and push (kept as `pushed` at once), then open the pull request (a
   * retry finds it, or opens it on the branch already pushed: main may have
   * moved meanwhile, and the branch is this run's own).
   */
  private async open(p: Progress): Promise<Progress> {
    if (p.stage === 'applied') {
      const branch = branchFor(this.deps.run.id, this.key);
      const prepared = await this.deps.parts.prepare(this.repo, this.request, { branch, message: commitMessage(this.facts([], p.until)) });
      if (prepared.edits.length === 0) {
        // git already says so: only the reconciler has to catch up.
        await this.deps.report(`${this.repo.url} already holds ${this.request.fields.map(fieldLine).join(', ')} (${prepared.baseBranch} at ${short(prepared.baseSha)}); waiting for ${ownerLabel(this.owner)} to apply it.`);
        const next: Progress = { ...p, stage: 'merged', mergeSha: prepared.baseSha, mergedAt: this.now, lines: [], diff: '' };
        await this.save(next);
        return next;
      }
      p = { ...p, stage: 'pushed', branch, ...(prepared.commit ? { commit: prepared.commit.sha } : {}), lines: prepared.lines, diff: prepared.diff, baseBranch: prepared.baseBranch };
      await this.save(p);
    }
    const branch = p.branch as string;
    const lines = p.lines ?? [];
    const facts = this.facts(lines, p.until);
    const pr =
      (await this.repo.forge.findByBranch(branch)) ??
      (await this.repo.forge.open({ title: prTitle(facts), body: prBody(facts), head: branch, base: p.baseBranch ?? this.repo.baseBranch ?? 'main' }));
    const next: Progress = { ...p, stage: 'proposed', pr: { number: pr.number, url: pr.url } };
    await this.save(next);
    await this.deps.audit(this.record('proposed', { repo: this.repo.url, branch, ...(p.commit ? { commit: p.commit } : {}), pullRequest: next.pr }));
    await this.deps.report(`Opened pull request #${pr.number} on ${this.repo.url}: ${lines.join('; ')}. ${pr.url}`);
    return next;
  }

  /**
   * A forge or cluster read that may pass later (5xx, 429, a network error)
   * while the run waits anyway: look again later instead of spending the
   * run's retries; the waits' own deadlines still bound it.
   */
  private async orLater<T>(read: () => Promise<T>, stillWaiting: boolean, what: string, delayMs: number): Promise<T> {
    try {
      return await read();
    } catch (err) {
      if (stillWaiting && err instanceof DroverError && err.retryable) throw new RunParked(this.now + delayMs, `${what} (it did not answer; looking again)`);
      throw err;
    }
  }

  async propose(): Promise<PlannedChange> {
    if (this.deps.run.dryRun) return this.plan();
    let p = this.saved ?? { stage: 'applied' as Stage, startedAt: this.now, from: this.froms() };
    if (p.stage === 'applied' || p.stage === 'pushed') p = await this.open(p);
    if (p.stage === 'proposed') p = await this.awaitMerge(p);
    return this.afterMerge(p);
  }

  async suspend(): Promise<PlannedChange> {
    if (this.deps.run.dryRun) return this.plan(await this.target.direct());
    let p = this.saved;
    if (!p) {
      const until = this.now + this.deps.timings.suspendWindowMs;
      const suspended = await this.deps.parts.suspend(this.deps.k8s, this.owner, { runId: this.deps.run.id, until: new Date(until) });
      p = { stage: 'suspended', startedAt: this.now, until, alreadySuspended: suspended.alreadySuspended, from: this.froms() };
      await this.save(p);
      await this.deps.audit(this.record('suspended', { until: new Date(until).toISOString(), ...(suspended.alreadySuspended ? { detail: 'it was already suspended by someone else; Drover will not resume it' } : {}) }));
      await this.deps.report(
        suspended.alreadySuspended
          ? `${ownerLabel(this.owner)} was already suspended (not by this run); it stays so after the run.`
          : `Suspended ${ownerLabel(this.owner)} until ${new Date(until).toISOString()} so it does not undo the change.`,
      );
    }
    if (p.stage === 'suspended') {
      await this.target.direct();
      p = { ...p, stage: 'applied' };
      await this.save(p);
    }
    if (p.stage === 'applied' || p.stage === 'pushed') p = await this.open(p);
    if (p.stage === 'proposed') p = await this.awaitMerge(p);
    if (!p.resumed) p = await this.resume(p, 'its pull request was merged');
    return this.afterMerge(p);
  }

  private async resume(p: Progress, why: string): Promise<Progress> {
    if (!p.alreadySuspended) {
      await this.deps.parts.resume(this.deps.k8s, this.owner, { runId: this.deps.run.id });
      await this.deps.audit(this.record('resumed', { detail: why }));
      await this.deps.report(`Resumed ${ownerLabel(this.owner)}: ${why}.`);
    }
    const next = { ...p, resumed: true };
    await this.save(next);
    return next;
  }

  private reviewDelay(p: Progress): number {
    const poll = this.deps.timings.pollIntervalMs;
    // Reviews take minutes to hours: look often at first, then every few minutes.
    return this.now - p.startedAt < 10 * 60_000 ? poll : Math.max(poll, Math.min(300_000, poll * 4));
  }

  private async awaitMerge(p: Progress): Promise<Progress> {
    const pr = p.pr as { number: number; url: string };
    const suspendMode = this.decision.mode === 'suspend';
    const windowOpen = !(suspendMode && p.until !== undefined && this.now >= p.until);
    const waiting = windowOpen && this.now - p.startedAt < this.deps.timings.mergeTimeoutMs;
    const seen = await this.orLater(() => this.repo.forge.get(pr.number), waiting, `pull request #${pr.number} (${pr.url}): the forge`, this.reviewDelay(p)).catch((err: unknown) => {
      // The forge is down as the window or the wait ends: as good as not merged.
      if (!waiting && err instanceof DroverError && err.retryable) return { ...this.unknownPr(pr), state: 'open' as const };
      throw err;
    });
    if (seen.state === 'closed') {
      const by = seen.changesRequestedBy;
      await this.deps.audit(this.record('rejected', { pullRequest: pr, ...(by.length ? { by } : {}) }));
      const after = suspendMode ? await this.resume(p, `pull request #${pr.number} was closed without merging`) : p;
      await this.save({ ...after, stage: 'verified', recorded: true });
      throw new DroverError(
        'gitops_rejected',
        `Pull request #${pr.number} was closed without merging: the change is rejected. ${suspendMode ? `${ownerLabel(this.owner)} is resumed and puts git's value back.` : 'Nothing was changed in the cluster.'} ${pr.url}`,
      );
    }
    if (seen.state === 'open') {
      const windowOver = suspendMode && p.until !== undefined && this.now >= p.until;
      const mergeOver = this.now - p.startedAt >= this.deps.timings.mergeTimeoutMs;
      if (windowOver || mergeOver) {
        const why = windowOver ? 'the suspension window ended before the merge' : `it was not merged within ${formatDuration(this.deps.timings.mergeTimeoutMs)}`;
        await this.deps.audit(this.record('timed-out', { pullRequest: pr, detail: why }));
        const after = suspendMode ? await this.resume(p, why) : p;
        await this.save({ ...after, stage: 'verified', recorded: true });
        await this.repo.forge.comment(pr.number, `Drover run ${this.deps.run.id} stopped waiting: ${why}. This pull request stays open; merging it still changes git.`).catch(() => undefined);
        throw new DroverError(
          'gitops_timed_out',
          `Pull request #${pr.number}: ${why}. ${suspendMode ? `${ownerLabel(this.owner)} is resumed and puts git's value back. ` : 'Nothing was changed in the cluster. '}The pull request stays open: ${pr.url}`,
        );
      }
      const next = this.now + this.reviewDelay(p);
      // A conflict is its own wait (told once): someone must resolve it in git, or close the request.
      const what = seen.conflicts ? `pull request #${pr.number} (${pr.url}) to be made mergeable: it conflicts with ${seen.baseBranch || 'its base branch'}` : `review of pull request #${pr.number} (${pr.url})`;
      throw new RunParked(suspendMode && p.until !== undefined ? Math.min(next, p.until) : next, what);
    }
    const merged: Progress = { ...p, stage: 'merged', mergeSha: seen.mergeSha, mergedAt: this.now, ...(seen.mergedBy ? { mergedBy: seen.mergedBy } : {}) };
    await this.save(merged);
    const by = [...(seen.mergedBy ? [seen.mergedBy] : []), ...seen.approvedBy.filter((a) => a !== seen.mergedBy)];
    await this.deps.audit(this.record('merged', { pullRequest: pr, ...(seen.mergeSha ? { commit: seen.mergeSha } : {}), ...(by.length ? { by } : {}) }));
    await this.deps.report(`Pull request #${pr.number} merged${seen.mergedBy ? ` by ${seen.mergedBy}` : ''} as ${short(seen.mergeSha)}${seen.approvedBy.length ? ` (approved by ${seen.approvedBy.join(', ')})` : ''}. Waiting for ${ownerLabel(this.owner)} to apply it.`);
    return merged;
  }

  private unknownPr(pr: { number: number; url: string }): PullRequest {
    return { number: pr.number, url: pr.url, state: 'open', headBranch: '', baseBranch: '', approvedBy: [], changesRequestedBy: [] };
  }

  private syncDeadline(p: Progress): number {
    return (p.mergedAt ?? p.startedAt) + this.deps.timings.syncTimeoutMs;
  }

  private async afterMerge(p: Progress): Promise<PlannedChange> {
    if (p.stage === 'merged') p = await this.awaitSync(p);
    if (p.stage === 'synced') p = await this.verify(p);
    return this.result(p);
  }

  private async awaitSync(p: Progress): Promise<Progress> {
    const sha = p.mergeSha;
    const waiting = this.now < this.syncDeadline(p);
    const later = Math.min(this.deps.timings.pollIntervalMs, 10_000);
    const status = await this.orLater(() => this.deps.parts.reconcilerStatus(this.deps.k8s, this.owner), waiting, `${ownerLabel(this.owner)}'s status`, later);
    const applied =
      sha !== undefined &&
      status.revision !== undefined &&
      (status.revision === sha || (await this.orLater(() => this.deps.parts.contains(this.repo, status.revision as string, sha), waiting, `${this.repo.url}: git`, later)));
    if (!applied || !status.ready) {
      if (this.now >= this.syncDeadline(p)) {
        const detail = `${ownerLabel(this.owner)} did not apply ${short(sha)} within ${formatDuration(this.deps.timings.syncTimeoutMs)} (last applied ${short(status.revision) || 'nothing'}${status.ready ? '' : `, not ready${status.message ? `: ${status.message}` : ''}`})`;
        await this.deps.audit(this.record('timed-out', { ...(status.revision ? { revision: status.revision } : {}), detail }));
        throw new DroverError('gitops_timed_out', `${detail}. Git holds the change; check the reconciler.`);
      }
      throw new RunParked(this.now + Math.min(this.deps.timings.pollIntervalMs, 10_000), `${ownerLabel(this.owner)} to apply ${short(sha)}`);
    }
    const next: Progress = { ...p, stage: 'synced', revision: status.revision };
    await this.save(next);
    await this.deps.audit(this.record('synced', { revision: status.revision as string, ...(sha ? { commit: sha } : {}) }));
    await this.deps.report(`${ownerLabel(this.owner)} applied ${short(status.revision)}.`);
    return next;
  }

  private async verify(p: Progress): Promise<Progress> {
    const { object } = this.target;
    const live = (await readLive(this.deps, this.target)) ?? {};
    const wrong = this.request.fields.filter((f) => !holds(live, f));
    if (wrong.length) {
      const seen = wrong.map((f) => fieldLine({ ...f, from: readField(live, f.path) })).join(', ');
      if (this.now >= this.syncDeadline(p)) {
        await this.deps.audit(this.record('not-verified', { detail: `live: ${seen}` }));
        throw new DroverError('gitops_not_verified', `${ownerLabel(this.owner)} applied ${short(p.revision)}, but ${label(object)} still does not hold what git says (live → wanted: ${seen}). Something else sets it (an HPA, another controller, a Helm value Drover did not edit).`);
      }
      throw new RunParked(this.now + Math.min(this.deps.timings.pollIntervalMs, 10_000), `${label(object)} to show the new value`);
    }
    const next: Progress = { ...p, stage: 'verified' };
    await this.save(next);
    await this.deps.audit(this.record('verified', { ...(p.revision ? { revision: p.revision } : {}) }));
    await this.deps.report(`Verified: ${label(object)} has ${this.request.fields.map((f) => `${f.path.join('.')}=${JSON.stringify(f.value)}`).join(', ')}.`);
    return next;
  }

  private async result(p: Progress): Promise<PlannedChange> {
    const { object } = this.target;
    const via = p.pr ? `pull request #${p.pr.number}, merged as ${short(p.mergeSha)}` : `git already held it at ${short(p.mergeSha)}`;
    const change: PlannedChange = {
      verb: 'patch',
      kind: object.kind,
      ...(object.namespace ? { namespace: object.namespace } : {}),
      name: object.name,
      dryRun: false,
      summary: `${this.target.verb} ${label(object)} through git: ${this.request.fields.map(fieldLine).join(', ')} (${via}, applied by ${ownerLabel(this.owner)}, verified)`,
      diff: p.diff ?? '',
    };
    if (!p.recorded) {
      await this.deps.addChange(change);
      await this.save({ ...p, recorded: true });
    }
    return change;
  }
}
