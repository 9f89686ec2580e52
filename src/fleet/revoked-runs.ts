import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AuditLog } from '../audit/audit-log.js';
import type { AuditKey } from '../audit/audit-key.js';
import type { Redactor } from '../redact/redactor.js';
import { isTerminal, type RunRecord } from '../jobs/run-record.js';
import { proposalExpiryKey, RunStore } from '../jobs/run-store.js';
import { clusterOfRunId, fleetQueueName } from './names.js';

export interface RevokedRunsOptions {
  redis: Redis;
  prefix: string;
  cluster: string;
  /** How long ended runs are kept (config jobs.retention). */
  retentionMs: number;
  /** The installation's audit key: the run.finished events go into a keyed chain as the serving processes' do. */
  auditKey?: AuditKey;
  redactor?: Redactor;
  now?: () => Date;
}

/** What each state a run was in when its cluster was revoked means for it. */
function why(cluster: string, run: RunRecord): string {
  const what =
    run.state === 'running'
      ? 'it stopped where its agent was cut off (what it changed before is in the audit log; check the cluster)'
      : run.state === 'awaiting_approval'
        ? 'no agent is left to run it if approved'
        : 'it was not started';
  return `Cluster ${cluster}'s agent token was revoked and the cluster unregistered while this run was ${run.state}: ${what}.`;
}

/**
 * Fails every unended run of an agent cluster whose registration goes (a
 * revoked token): queued, planning, running or held for approval. Without
 * this they stayed as they were for ever (no agent takes its queue, the
 * absent-agent sweep looks at registered clusters only, and no worker watches
 * its queue for stalled jobs), lost without a word. Then its queue is emptied.
 * The ids of the runs failed.
 */
export async function failRevokedRuns(options: RevokedRunsOptions): Promise<string[]> {
  const { redis, prefix, cluster, retentionMs } = options;
  const now = options.now ?? (() => new Date());
  const queue = new Queue<{ runId?: unknown }>(fleetQueueName(cluster), { connection: redis, prefix: `${prefix}:q` });
  queue.on('error', () => undefined);
  try {
    const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'], 0, 10_000);
    const fromJobs = jobs.map((job) => (typeof job?.data?.runId === 'string' ? job.data.runId : String(job?.id ?? '').replace(/-plan$/, '')));
    const held = (await redis.zrange(proposalExpiryKey(prefix), 0, -1)).map((key) => key.slice(`${prefix}:run:`.length));
    const ids = [...new Set([...fromJobs, ...held])].filter((id) => clusterOfRunId(id) === cluster);
    const redactor = options.redactor;
    const store = new RunStore({ redis, prefix, now, ...(redactor ? { redactor } : {}) });
    const audit = new AuditLog({ redis, prefix, now, ...(options.auditKey ? { key: options.auditKey } : {}), ...(redactor ? { redactor } : {}) });
    const failed: string[] = [];
    for (const [i, run] of (await store.getMany(ids)).entries()) {
      if (!run || isTerminal(run.state) || run.cluster !== cluster) continue;
      const error = { code: 'cluster_unreachable', message: why(cluster, run) };
      const event = { type: 'run.finished' as const, runId: run.id, runbook: run.runbook, cluster, outcome: 'failed' as const, durationMs: 0, dryRun: run.dryRun, error };
      const audited = { field: `run.finished ${run.id}`, event };
      if (await store.transition(ids[i] as string, [run.state], 'failed', { finishedAt: now().toISOString(), error }, audited, retentionMs)) continue;
      await audit.outbox.deliver(audited);
      await store.forgetProposal(run.id);
      failed.push(run.id);
    }
    await queue.obliterate({ force: true });
    return failed;
  } finally {
    await queue.close().catch(() => undefined);
  }
}
