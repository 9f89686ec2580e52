import type { Redis } from 'ioredis';
import { Queue, type ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import { DroverError } from '../errors.js';
import { formatDuration } from '../config/duration.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { RunStore } from '../jobs/run-store.js';
import type { RunRecord, RunState } from '../jobs/run-record.js';
import { planJobId } from '../jobs/run-queue.js';
import type { Metrics } from '../metrics/metrics.js';
import { wrongType, type ClusterStatus, type FleetPresence } from './agent-presence.js';
import { ago, versionText } from './cluster-text.js';
import { clusterOfRunId, fleetQueueName } from './names.js';

/** Who the newest agent was: `agent v1.2 on host x`. */
function lastAgentText(status: ClusterStatus, now: number): string {
  const last = status.last;
  if (!last || status.lastSeen === undefined) return '';
  return `last seen ${ago(now - status.lastSeen)}; agent ${versionText(last.version)} on host ${last.host}`;
}

/** Why a run for a cluster without a live agent was refused, for the person who asked. */
export function absentMessage(status: ClusterStatus, now: number): string {
  const c = status.name;
  if (status.state === 'never-seen') {
    return `Cluster ${c} has never had a live agent: none has connected since it was registered. The run was not queued. Install one with what \`drover agent token create ${c}\` prints, or set fleet.agentAbsent: wait.`;
  }
  return `Cluster ${c} has no live agent (${lastAgentText(status, now)}). The run was not queued. Check the drover-agent pod in that cluster, or set fleet.agentAbsent: wait.`;
}

/**
 * Before a run for an agent cluster is queued: with `fail`, a cluster whose
 * agent is gone refuses it at once (cluster_unreachable, not retryable);
 * with `wait`, it is queued and waits up to `fleet.agentWait` for an agent
 * (the AbsentAgentSweeper fails it after that). A cluster that is not an
 * agent cluster passes.
 */
export async function checkAgentPresent(presence: FleetPresence, cluster: string, mode: 'fail' | 'wait', waitMs: number): Promise<void> {
  if (mode === 'wait') return;
  const status = await presence.cluster(cluster);
  if (!status || status.state === 'up') return;
  throw new DroverError('cluster_unreachable', absentMessage(status, presence.now()), {
    details: { cluster, state: status.state, ...(status.lastSeen !== undefined ? { lastSeen: status.lastSeen } : {}), waitMs },
  });
}

export interface AbsentAgentSweeperOptions {
  /** Central Redis (the run store's and the queues'). */
  redis: Redis;
  /** The queues' connection (as RunQueue's). */
  connection: ConnectionOptions;
  prefix: string;
  presence: FleetPresence;
  store: RunStore;
  audit: AuditLog;
  /** `fleet.agentWait`: how long a queued run waits for its cluster's agent. */
  waitMs: number;
  retentionMs: number;
  metrics?: Metrics;
  logger?: Logger;
  /** Queued runs looked at per pass, across clusters (default 500). */
  perPass?: number;
}

/** A waiting job of an agent cluster's queue: its run, whether it is the run's plan (a dry run for approvers), when it was queued (ms). */
interface Waiting {
  cluster: string;
  jobId: string;
  runId: string;
  plan: boolean;
  queuedAt: number | undefined;
}

/**
 * Fails the queued runs of agent clusters whose agent has been gone longer
 * than `fleet.agentWait` (since the run was queued, or the agent last seen,
 * whichever is later), and the runs held for approval whose plan waits for
 * that agent. Each run moves queued (or planning) → failed with the run
 * store's compare-and-set, so a run an agent has taken meanwhile is never
 * touched; its job then goes from the cluster's queue. Central; several
 * processes may run it.
 */
export class AbsentAgentSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(private readonly options: AbsentAgentSweeperOptions) {}

  start(intervalMs = 15_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .catch((err: unknown) => this.options.logger?.warn({ err: (err as Error).message }, 'absent agent sweep failed'))
        .finally(() => (this.running = undefined));
    }, intervalMs).unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass; the ids of the runs it failed. */
  async sweep(): Promise<string[]> {
    const { presence, waitMs } = this.options;
    const now = presence.now();
    const absent = (await presence.status()).filter((s) => s.state !== 'up');
    if (!absent.length) return [];
    const waiting = await this.queued(absent.map((s) => s.name));
    const byName = new Map(absent.map((s) => [s.name, s]));
    const due = waiting.filter((w) => {
      const since = Math.max(w.queuedAt ?? 0, byName.get(w.cluster)?.lastSeen ?? 0);
      return now - since > waitMs;
    });
    if (!due.length) return [];
    const runs = await this.options.store.getMany(due.map((w) => w.runId));
    const failed: string[] = [];
    const queues = new Map<string, Queue>();
    try {
      for (const [i, w] of due.entries()) {
        const run = runs[i];
        // A run's job while it is queued; its plan's while it is being planned (held for approval).
        const from: RunState = w.plan ? 'planning' : 'queued';
        // Its queue is its agent's to write: a job there naming a run that is not this cluster's own is not acted on.
        if (!run || run.state !== from || run.cluster !== w.cluster || clusterOfRunId(run.id) !== w.cluster) continue;
        const status = byName.get(w.cluster);
        const waited = now - Math.max(w.queuedAt ?? Date.parse(run.createdAt), status?.lastSeen ?? 0);
        if (await this.fail(run, from, status, waited, now)) {
          failed.push(run.id);
          if (w.plan) await this.options.store.forgetProposal(run.id).catch(() => undefined);
          let queue = queues.get(w.cluster);
          if (!queue) queues.set(w.cluster, (queue = this.queue(w.cluster)));
          // Failed first, then its job goes: an agent that takes the job meanwhile finds the run failed and leaves it.
          await (await queue.getJob(w.jobId))?.remove().catch(() => undefined);
        }
      }
    } finally {
      await Promise.all([...queues.values()].map((q) => q.close().catch(() => undefined)));
    }
    return failed;
  }

  private queue(cluster: string): Queue {
    const queue = new Queue(fleetQueueName(cluster), { connection: this.options.connection, prefix: `${this.options.prefix}:q` });
    queue.on('error', () => undefined);
    return queue;
  }

  /**
   * The waiting and delayed jobs of the clusters' queues, at most `perPass`
   * in all, oldest first, read from BullMQ's lists in one pipeline (no Queue
   * object per cluster).
   */
  private async queued(clusters: string[]): Promise<Waiting[]> {
    const limit = this.options.perPass ?? 500;
    const each = Math.max(1, Math.ceil(limit / clusters.length));
    const base = (c: string) => `${this.options.prefix}:q:${fleetQueueName(c)}`;
    const pipeline = this.options.redis.pipeline();
    for (const c of clusters) {
      // wait: LPUSHed, so the oldest are at the end.
      pipeline.lrange(`${base(c)}:wait`, -each, -1).lrange(`${base(c)}:paused`, -each, -1).zrange(`${base(c)}:delayed`, 0, each - 1).zrange(`${base(c)}:prioritized`, 0, each - 1);
    }
    const replies = (await pipeline.exec()) ?? [];
    const found: Array<{ cluster: string; jobId: string }> = [];
    clusters.forEach((cluster, i) => {
      const ids = new Set<string>();
      for (let k = 0; k < 4; k++) {
        const [err, list] = replies[4 * i + k] ?? [new Error('no reply')];
        // Its agent writes its queue's keys: one made into another type leaves that cluster out, not every cluster.
        if (err && wrongType(err)) continue;
        if (err) throw err;
        for (const id of list as string[]) ids.add(id);
      }
      for (const jobId of ids) found.push({ cluster, jobId });
    });
    const bounded = found.slice(0, limit);
    if (!bounded.length) return [];
    const stamps = this.options.redis.pipeline();
    for (const w of bounded) stamps.hget(`${base(w.cluster)}:${w.jobId}`, 'timestamp');
    const times = (await stamps.exec()) ?? [];
    return bounded.map((w, i) => {
      const raw = times[i]?.[1];
      const queuedAt = typeof raw === 'string' ? Number(raw) : undefined;
      const runId = w.jobId.replace(/-plan$/, '');
      return { ...w, runId, plan: planJobId(runId) === w.jobId, queuedAt: queuedAt !== undefined && Number.isFinite(queuedAt) ? queuedAt : undefined };
    });
  }

  /** Fails one run that waits for its cluster's agent (queued, or planning), once; true when this call failed it. */
  private async fail(run: RunRecord, from: RunState, status: ClusterStatus | undefined, waitedMs: number, now: number): Promise<boolean> {
    const { store, audit, retentionMs } = this.options;
    const seen = status?.lastSeen !== undefined ? `its agent was last seen ${ago(now - status.lastSeen)}` : 'no agent has ever connected';
    const what = from === 'planning' ? 'the run was not planned' : 'the run was not started';
    const message = `Cluster ${run.cluster} had no live agent for ${formatDuration(waitedMs)} while this run waited (${seen}); ${what}. Check the drover-agent pod in that cluster.`;
    const error = { code: 'cluster_unreachable', message };
    const event = { type: 'run.finished' as const, runId: run.id, runbook: run.runbook, cluster: run.cluster, outcome: 'failed' as const, durationMs: 0, dryRun: run.dryRun, error };
    const audited = { field: `run.finished ${run.id}`, event };
    const refused = await store.transition(run.id, [from], 'failed', { finishedAt: new Date(now).toISOString(), error }, audited, retentionMs);
    if (refused) return false;
    await audit.outbox.deliver(audited);
    this.options.metrics?.runs.inc({ runbook: run.runbook, outcome: 'failed', dry_run: String(run.dryRun) });
    this.options.logger?.warn({ runId: run.id, cluster: run.cluster, waitedMs }, 'run failed: its cluster has no live agent');
    return true;
  }
}
