/**
 * The safety net of `suspend` mode: a reconciler Drover suspended is resumed
 * by its run when the pull request merges or the window ends; if that run
 * is gone (cancelled while parked, expired, its record lost) or overdue, the
 * sweeper resumes it. It reads the suspensions from the clusters themselves
 * (Drover's annotations on the Flux objects and Argo CD Applications), so
 * nothing in Redis has to survive for a suspension to end.
 */
import type { Logger } from 'pino';
import type { AuditEventBody } from '../audit/events.js';
import { isTerminal, type RunRecord } from '../jobs/run-record.js';
import type { K8sHooks, K8sOps } from '../k8s/types.js';
import type { Requester } from '../runbook/types.js';
import { listSuspensions, resumeOwner } from './owner/index.js';

export interface SuspensionSweeperDeps {
  /** Clusters this process acts on. */
  clusters: () => string[];
  /** ctx.k8s for the sweeper on a cluster (not a dry run); mutations audited under `runId`. */
  k8sFor: (cluster: string, runId: string) => K8sOps;
  runs: { get(id: string): Promise<RunRecord | undefined> };
  audit: (body: AuditEventBody) => Promise<unknown>;
  logger: Logger;
  /** How late past its window a suspension may be before the sweeper ends it (its run normally does first). */
  graceMs: number;
  intervalMs: number;
  now?: () => Date;
}

export class SuspensionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly now: () => Date;

  constructor(private readonly deps: SuspensionSweeperDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass over every cluster; answers how many suspensions it ended. */
  sweep(): Promise<number> {
    if (this.running) return this.running.then(() => 0);
    let ended = 0;
    this.running = (async () => {
      for (const cluster of this.deps.clusters()) ended += await this.sweepCluster(cluster).catch((err: unknown) => {
        this.deps.logger.warn({ err, cluster }, 'gitops suspension sweep failed');
        return 0;
      });
    })().finally(() => {
      this.running = undefined;
    });
    return this.running.then(() => ended);
  }

  private async sweepCluster(cluster: string): Promise<number> {
    const reader = this.deps.k8sFor(cluster, 'gitops-sweeper');
    let ended = 0;
    for (const s of await listSuspensions(reader)) {
      const until = Date.parse(s.until);
      const overdue = !Number.isFinite(until) || until + this.deps.graceMs <= this.now().getTime();
      const run = await this.deps.runs.get(s.runId);
      const orphan = !run || isTerminal(run.state);
      if (!overdue && !orphan) continue;
      const why = orphan ? (run ? `its run ${s.runId} ended ${run.state}` : `its run ${s.runId} is unknown`) : `its window ended at ${s.until || '(unreadable)'}`;
      const k8s = this.deps.k8sFor(cluster, s.runId);
      const change = await resumeOwner(k8s, s.owner, { runId: s.runId });
      if (!change) continue;
      ended += 1;
      await this.deps.audit({
        type: 'gitops.stage',
        runId: s.runId,
        stage: 'resumed',
        cluster,
        mode: 'suspend',
        object: { kind: s.owner.kind, namespace: s.owner.namespace, name: s.owner.name },
        owner: { tool: s.owner.tool, kind: s.owner.kind, namespace: s.owner.namespace, name: s.owner.name },
        fields: [],
        detail: `resumed by the suspension sweeper: ${why}`,
      });
      this.deps.logger.info({ cluster, owner: `${s.owner.kind} ${s.owner.namespace}/${s.owner.name}`, runId: s.runId }, `resumed a suspended reconciler: ${why}`);
    }
    return ended;
  }
}

/** The sweeper of a worker process: its own ctx.k8s factory, as the system identity, every mutation audited under the suspension's run. */
export function workerSuspensionSweeper(deps: {
  clusters: () => string[];
  k8s: (args: { cluster: string; dryRun: boolean; hooks: K8sHooks; requester: Requester }) => K8sOps;
  runs: SuspensionSweeperDeps['runs'];
  audit: { append(body: AuditEventBody): Promise<unknown> };
  logger: Logger;
  pollIntervalMs: number;
  now?: () => Date;
}): SuspensionSweeper {
  const system: Requester = { kind: 'system', id: 'drover-gitops' };
  return new SuspensionSweeper({
    clusters: deps.clusters,
    k8sFor: (cluster, runId) =>
      deps.k8s({ cluster, dryRun: false, requester: system, hooks: { onMutation: async (record) => void (await deps.audit.append({ type: 'k8s.mutation', runId, ...record })) } }),
    runs: deps.runs,
    audit: (body) => deps.audit.append(body),
    logger: deps.logger,
    // Its run resumes it at its window's end; the sweeper only steps in when the run does not.
    graceMs: Math.max(60_000, 2 * deps.pollIntervalMs),
    intervalMs: 60_000,
    ...(deps.now ? { now: deps.now } : {}),
  });
}
