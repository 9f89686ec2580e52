// The fleet benchmark's floor: one bare BullMQ Worker per simulated cluster's
// queue (fq.s0001 …), each on its own connection, in the same few processes
// as the agents will be: what they cost Redis idle, how soon one takes a job
// added to its queue, and how fast they all process one job each.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { type BenchContext, resetRedis } from './context.js';
import { clusterName } from './fleet-names.js';
import { startFleetProcesses, type FleetProcesses } from './fleet-processes.js';
import { FLOOR_PREFIX, floorJob } from './floor-jobs.js';
import { deltaOf, perUnitPerMinute, redisSnapshot, type RedisDelta } from './redis-snapshot.js';
import { ms, sleep, summary, waitFor } from './stats.js';

export interface FleetSizes {
  clusters: number;
  perProcess: number;
  idleMs: number;
  settleMs: number;
  latencyRuns: number;
  /** Submissions per second while latency is measured. */
  latencyRate: number;
  /** Runs per enqueueMany in the rollout. */
  rolloutBatch: number;
  timeoutMs: number;
}

export interface FleetFloor {
  startMs: number;
  idle: RedisDelta;
  clientsPerCluster: number;
  bytesPerCluster: number;
  latency: ReturnType<typeof summary>;
  rolloutMs: number;
  rolloutDone: number;
}

/** n distinct cluster numbers out of 1…clusters, spread at random. */
export function sampleClusters(n: number, clusters: number): number[] {
  const all = Array.from({ length: clusters }, (_, i) => i + 1);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [all[i], all[j]] = [all[j] as number, all[i] as number];
  }
  return all.slice(0, Math.min(n, clusters));
}

async function waitProcessed(procs: FleetProcesses, count: number, timeoutMs: number): Promise<number> {
  let seen = 0;
  await waitFor(async () => (seen = await procs.processed()) >= count, timeoutMs, 20);
  return seen;
}

export async function fleetFloor(ctx: BenchContext, sizes: FleetSizes): Promise<FleetFloor> {
  const { clusters } = sizes;
  const base = await redisSnapshot(ctx.redis.client);
  const started = performance.now();
  const procs = await startFleetProcesses(ctx.children, { mode: 'raw', redisUrl: ctx.redis.url, workspace: ctx.workspace, clusters, perProcess: sizes.perProcess, timeoutMs: sizes.timeoutMs });
  const startMs = performance.now() - started;
  const connection = new Redis(ctx.redis.url, { maxRetriesPerRequest: null });
  const queues = new Map<number, Queue>();
  const queueOf = (n: number) => {
    let q = queues.get(n);
    if (!q) queues.set(n, (q = new Queue(`fq.${clusterName(n)}`, { connection, prefix: FLOOR_PREFIX })));
    return q;
  };
  try {
    await sleep(sizes.settleMs);
    const a = await redisSnapshot(ctx.redis.client);
    await sleep(sizes.idleMs);
    const b = await redisSnapshot(ctx.redis.client);
    const idle = deltaOf(a, b);
    const clientsPerCluster = (b.clients - base.clients) / clusters;
    const bytesPerCluster = (b.usedMemory - base.usedMemory) / clusters;
    ctx.log(`  floor: ${clusters} raw BullMQ Workers (one per queue, own connection, concurrency 50) in ${procs.all.length} processes, started in ${(startMs / 1000).toFixed(1)} s`);
    ctx.log(`    idle ${(idle.minutes * 60).toFixed(0)} s, per queue: ${perUnitPerMinute(idle, clusters)}`);
    ctx.log(`    ${clientsPerCluster.toFixed(2)} connections per queue; Redis used_memory ${(bytesPerCluster / 1024).toFixed(1)} KiB per queue; Redis CPU ${(idle.cpu * 100).toFixed(1)}% of a core idle`);

    // Add → processor begins, one job at a time on distinct random queues, at a modest rate.
    const sent = new Map<string, number>();
    const adds: Array<Promise<unknown>> = [];
    const t0 = Date.now();
    for (const [i, n] of sampleClusters(sizes.latencyRuns, clusters).entries()) {
      const wait = t0 + (i * 1000) / sizes.latencyRate - Date.now();
      if (wait > 0) await sleep(wait);
      const job = floorJob(i);
      sent.set(job.opts.jobId, Date.now());
      adds.push(queueOf(n).add(job.name, job.data, job.opts));
    }
    await Promise.all(adds);
    const latencyDone = await waitProcessed(procs, sent.size, sizes.timeoutMs);
    const startedAt = await procs.startedAt();
    const latency = summary([...sent].flatMap(([id, at]) => (startedAt.has(id) ? [(startedAt.get(id) as number) - at] : [])));
    ctx.log(`    add → processor begins, ${sent.size} jobs on random queues at ${sizes.latencyRate}/s: p50 ${ms(latency.p50)}, p99 ${ms(latency.p99)}, max ${ms(latency.max)} (${latencyDone}/${sent.size} processed)`);

    // One job per queue, added 200 at a time: how long until every worker has processed its own.
    const rolloutStarted = performance.now();
    for (let i = 0; i < clusters; i += sizes.rolloutBatch) {
      await Promise.all(
        Array.from({ length: Math.min(sizes.rolloutBatch, clusters - i) }, (_, j) => {
          const job = floorJob(100_000 + i + j);
          return queueOf(i + j + 1).add(job.name, job.data, job.opts);
        }),
      );
    }
    const rolloutDone = (await waitProcessed(procs, latencyDone + clusters, sizes.timeoutMs)) - latencyDone;
    const rolloutMs = performance.now() - rolloutStarted;
    ctx.log(`    one job on each of the ${clusters} queues (added ${sizes.rolloutBatch} at a time): all processed in ${(rolloutMs / 1000).toFixed(1)} s (${rolloutDone}/${clusters})`);
    return { startMs, idle, clientsPerCluster, bytesPerCluster, latency, rolloutMs, rolloutDone };
  } finally {
    await Promise.all([...queues.values()].map((q) => q.close().catch(() => undefined)));
    await connection.quit().catch(() => connection.disconnect());
    await procs.stop();
    await resetRedis(ctx);
  }
}
