import type { Logger } from 'pino';
import { asDroverError } from '../../errors.js';
import type { RolloutMarker, RunRecord } from '../../jobs/run-record.js';
import { withLock } from '../../redis-lock.js';
import type { ClusterStatus } from '../agent-presence.js';
import { batchesOf, rolloutRunId, type Rollout, type RolloutTarget } from './plan.js';
import { countTargets, targetOf, type Rollouts } from './rollouts.js';

export interface RolloutControllerOptions {
  rollouts: Rollouts;
  logger: Logger;
  /** How often active rollouts are looked at (default 2 s). */
  intervalMs?: number;
  /** How long one look at one rollout may hold its lock (default 60 s). */
  lockMs?: number;
  /** Told after each look at a rollout that changed something (the Slack message follows it). */
  onProgress?: (rollout: Rollout, news: RolloutNews[]) => void | Promise<void>;
}

/** What happened in one look: for a thread reply. */
export type RolloutNews =
  | { type: 'batch'; batch: number; batches: number; clusters: string[] }
  | { type: 'failed'; cluster: string; runId?: string; error: string }
  | { type: 'paused'; reason: string }
  | { type: 'ended'; state: Rollout['state']; reason: string };

const FAILED_RUN = (run: RunRecord): string => run.error?.message ?? `The run ended ${run.state}.`;

/**
 * Drives running rollouts, in serving processes: one process at a time per
 * rollout (a Redis lock). Each look is idempotent: the current batch's runs
 * have ids made from the rollout and the cluster, so a look after a crash
 * resubmits nothing twice; it then reads the runs, and once every run of the
 * batch has ended, pauses, stops, goes on to the next batch or ends.
 */
export class RolloutController {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private readonly intervalMs: number;
  private readonly lockMs: number;
  /** The last read of every cluster's presence, shared by the looks of this process. */
  private presenceRead: { at: number; statuses: Map<string, ClusterStatus> } | undefined;

  constructor(private readonly options: RolloutControllerOptions) {
    this.intervalMs = options.intervalMs ?? 2000;
    this.lockMs = options.lockMs ?? 60_000;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops looking; waits for a look under way. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /** Looks at every active rollout once (one look at a time in this process). */
  tick(): Promise<void> {
    this.ticking ??= this.lookAll().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async lookAll(): Promise<void> {
    const { rollouts, logger } = this.options;
    const { store } = rollouts.deps;
    let ids: string[];
    try {
      ids = await store.active();
    } catch (err) {
      logger.warn({ err }, 'rollouts: could not list active rollouts');
      return;
    }
    for (const id of ids) {
      try {
        await withLock(rollouts.deps.redis, store.lockKey(id), this.lockMs, () => this.advance(id));
      } catch (err) {
        logger.warn({ err, rolloutId: id }, 'rollouts: a look at a rollout failed');
      }
    }
  }

  /** One look at one rollout (the caller holds its lock). */
  async advance(id: string): Promise<void> {
    const { rollouts } = this.options;
    const { store } = rollouts.deps;
    const rollout = await store.get(id);
    if (!rollout) {
      await store.forgetActive(id);
      return;
    }
    if (rollout.state === 'awaiting_approval') {
      if (await rollouts.expire(id)) await this.tell(await rollouts.get(id), [{ type: 'ended', state: 'expired', reason: 'approval expired' }]);
      return;
    }
    if (rollout.state !== 'running') {
      // Paused or ended: nothing to drive (resume adds it again).
      await store.forgetActive(id);
      return;
    }
    const news: RolloutNews[] = [];
    const batches = batchesOf(rollout);
    const targets = { ...rollout.targets };
    // A look ends well inside its lock: a batch too large to queue in that time is queued over several looks
    // (each run's id is fixed, so another process's look after the lock expired would queue nothing twice, but would repeat work).
    const deadline = Date.now() + this.lockMs / 2;
    let batch = rollout.batch;
    // Bounded: at most one pass per batch in one look.
    for (let pass = 0; pass <= batches.length; pass += 1) {
      if (batch >= batches.length) {
        const counts = countTargets(targets);
        const state = counts.failed ? 'failed' : 'succeeded';
        const reason = counts.failed ? `${counts.failed} of ${rollout.clusters.length} cluster(s) failed.` : `All ${rollout.clusters.length} cluster(s) succeeded.`;
        await store.progress(id, targets, batch);
        const ended = await rollouts.end({ ...rollout, targets }, ['running'], state, reason);
        news.push({ type: 'ended', state, reason });
        await this.tell(ended, news);
        return;
      }
      const clusters = batches[batch] as string[];
      if (clusters.every((c) => targets[c]?.state === 'pending')) {
        news.push({ type: 'batch', batch, batches: batches.length, clusters });
        await rollouts.deps.audit.append({ type: 'rollout.batch.started', rolloutId: id, batch: batch + 1, batches: batches.length, clusters });
      }
      if (await this.submit(rollout, clusters, targets, news, deadline)) {
        // Aborted while this look queued the batch: what it queued and has not started is cancelled too.
        const now = await store.get(id);
        if (now && now.state !== 'running') {
          for (const c of clusters) {
            const runId = targets[c]?.runId;
            if (runId) await rollouts.deps.queue.cancel(runId, { kind: 'system', id: `rollout:${id}`, name: `rollout ${id} (${now.state})` }, { unstartedOnly: true }).catch(() => undefined);
          }
          return;
        }
      }
      await this.refresh(clusters, targets, news);
      await store.progress(id, targets, batch);
      if (!clusters.every((c) => isDone(targets[c]))) break;

      const failures = countTargets(targets).failed;
      const failedHere = clusters.filter((c) => targets[c]?.state === 'failed');
      if (failures >= rollout.maxFailures) {
        const reason = `Stopped: ${failures} cluster(s) failed (the limit is ${rollout.maxFailures}); later batches were not started.`;
        const ended = await rollouts.end({ ...rollout, targets, batch: batch + 1 }, ['running'], 'stopped', reason, undefined, { batch: batch + 1 });
        news.push({ type: 'ended', state: 'stopped', reason });
        await this.tell(ended, news);
        return;
      }
      batch += 1;
      if (failedHere.length && rollout.pauseOnFailure && batch < batches.length) {
        const reason = `Paused after batch ${batch} of ${batches.length}: ${failedHere.length} cluster(s) failed (${failedHere.slice(0, 5).join(', ')}${failedHere.length > 5 ? ', …' : ''}). Resume or abort it.`;
        const refused = await store.transition(id, ['running'], 'paused', { batch, targets, reason });
        if (!refused) {
          await rollouts.deps.audit.append({ type: 'rollout.paused', rolloutId: id, batch, failed: failedHere, reason });
          news.push({ type: 'paused', reason });
        }
        await this.tell(await rollouts.get(id), news);
        return;
      }
      await store.progress(id, targets, batch);
    }
    if (news.length || batch !== rollout.batch || JSON.stringify(targets) !== JSON.stringify(rollout.targets)) await this.tell({ ...rollout, targets, batch }, news);
  }

  /**
   * Queues the runs of a batch not queued yet (an existing run id returns that
   * run: nothing is queued twice). True when it queued any.
   */
  private async submit(rollout: Rollout, clusters: string[], targets: Record<string, RolloutTarget>, news: RolloutNews[], deadline: number): Promise<boolean> {
    const pending = clusters.filter((c) => targets[c]?.state === 'pending');
    if (!pending.length) return false;
    const { queue, gate, store } = this.options.rollouts.deps;
    const secrets = await store.secrets(rollout.id);
    const marker: RolloutMarker = {
      id: rollout.id,
      hash: rollout.hash,
      clusters: rollout.clusters,
      batchSize: rollout.batchSize,
      canary: rollout.canary,
      pauseOnFailure: rollout.pauseOnFailure,
      maxFailures: rollout.maxFailures,
      ...(rollout.approval
        ? { approval: { needed: rollout.approval.needed, ...(rollout.approval.group ? { group: rollout.approval.group } : {}), reason: rollout.approval.reason, timeoutMs: rollout.approval.timeoutMs, approvers: rollout.approval.approvers } }
        : {}),
    };
    for (const [i, cluster] of pending.entries()) {
      // The rest wait for the next look (their clusters stay pending, so the batch is not done); each look queues one at least.
      if (i > 0 && Date.now() > deadline) break;
      const runId = rolloutRunId(rollout.id, cluster);
      try {
        const prepared = await queue.prepare({ runbook: rollout.runbook, params: { ...rollout.params, ...secrets }, cluster, dryRun: rollout.dryRun, requester: rollout.requester, runId });
        // The policy may have changed since the plan: a refusal now fails this cluster. An approval it asks for is the rollout's.
        const decision = await gate.decide(prepared);
        if ('denied' in decision) {
          targets[cluster] = { state: 'failed', error: `The policy refuses it now: ${decision.denied}` };
          news.push({ type: 'failed', cluster, error: targets[cluster].error as string });
          continue;
        }
        const run = await queue.submitPrepared({ ...prepared, record: { ...prepared.record, rollout: marker } });
        targets[cluster] = { ...targetOf(run.state, run.error?.message), runId: run.id };
      } catch (err) {
        const e = asDroverError(err);
        // Redis trouble: the next look tries again.
        if (e.retryable) throw e;
        targets[cluster] = { state: 'failed', error: e.message };
        news.push({ type: 'failed', cluster, error: e.message });
      }
    }
    return true;
  }

  /** Reads the batch's runs into its clusters' progress. */
  private async refresh(clusters: string[], targets: Record<string, RolloutTarget>, news: RolloutNews[]): Promise<void> {
    const live = clusters.filter((c) => targets[c]?.runId && !isDone(targets[c]));
    const runs = await this.options.rollouts.deps.runs.getMany(live.map((c) => targets[c]?.runId as string));
    live.forEach((cluster, i) => {
      const run = runs[i];
      const before = targets[cluster] as RolloutTarget;
      if (!run) {
        targets[cluster] = { ...before, state: 'failed', error: 'Its run is gone from the store (expired?).' };
      } else {
        const next: RolloutTarget = { ...targetOf(run.state, FAILED_RUN(run)), runId: run.id };
        // Still under way: keep since when its agent has been missed (agentsGone).
        if (next.state === 'running' && before.agentAbsentSince !== undefined) next.agentAbsentSince = before.agentAbsentSince;
        targets[cluster] = next;
      }
      const after = targets[cluster];
      if (after?.state === 'failed') news.push({ type: 'failed', cluster, ...(after.runId ? { runId: after.runId } : {}), error: after.error ?? 'failed' });
    });
    await this.agentsGone(clusters, targets, news);
  }

  /**
   * A run taken by an agent that is gone (the cluster torn down, the pod
   * killed for good) stays running: only an agent of that cluster could see
   * it stalled. Once its cluster has had no live agent for fleet.agentWait
   * (from its last beat, or from when this controller first found none: a
   * stopped agent's entry is removed, a dead one's expires), it fails in the
   * rollout, its run left as it is and its outcome unknown, so the batch ends
   * and the rollout pauses or stops instead of waiting for ever.
   */
  private async agentsGone(clusters: string[], targets: Record<string, RolloutTarget>, news: RolloutNews[]): Promise<void> {
    const { presence, agentWaitMs = 300_000 } = this.options.rollouts.deps;
    const running = clusters.filter((c) => targets[c]?.state === 'running');
    if (!presence || !running.length) return;
    // One read of every cluster's presence (a few round trips for thousands), at most every few seconds per process.
    const now = presence.now();
    if (!this.presenceRead || now - this.presenceRead.at >= Math.min(10_000, agentWaitMs / 3)) {
      this.presenceRead = { at: now, statuses: new Map((await presence.status()).map((s) => [s.name, s])) };
    }
    const { statuses } = this.presenceRead;
    for (const cluster of running) {
      const before = targets[cluster] as RolloutTarget;
      const status = statuses.get(cluster);
      if (status?.state === 'up') {
        if (before.agentAbsentSince !== undefined) targets[cluster] = { state: before.state, ...(before.runId ? { runId: before.runId } : {}) };
        continue;
      }
      const since = before.agentAbsentSince ?? status?.lastSeen ?? now;
      if (now - since < agentWaitMs) {
        targets[cluster] = { ...before, agentAbsentSince: since };
        continue;
      }
      const where = status ? 'its agent' : 'its agent (the cluster is no longer registered)';
      const error = `Its run was under way when ${where} went away, and no agent has been live for ${Math.round((now - since) / 1000)} s; the run's outcome is unknown (it is left as it is).`;
      targets[cluster] = { state: 'failed', ...(before.runId ? { runId: before.runId } : {}), error };
      news.push({ type: 'failed', cluster, ...(before.runId ? { runId: before.runId } : {}), error });
    }
  }

  private async tell(rollout: Rollout, news: RolloutNews[]): Promise<void> {
    try {
      await this.options.onProgress?.(rollout, news);
    } catch (err) {
      this.options.logger.warn({ err, rolloutId: rollout.id }, 'rollouts: progress could not be shown');
    }
  }
}

const isDone = (t: RolloutTarget | undefined): boolean => t?.state === 'succeeded' || t?.state === 'failed' || t?.state === 'skipped';
