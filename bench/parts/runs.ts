// The run pipeline: no-op runs on distinct targets through a compiled
// `drover worker` at concurrency 50, beside its floor measured first on the
// same Redis: raw BullMQ no-op jobs processed by a Worker in its own process
// at the same concurrency. A second line keeps the old figure:
// restart-deployment on 50 shared deployments (most of it waits on targets).
import { Redis } from 'ioredis';
import { type BenchContext, logProfile, resetRedis } from '../support/context.js';
import { PREFIX, startDrover } from '../support/drover-process.js';
import { droverQueue } from '../support/drover-queue.js';
import { addInBulks, floorQueue } from '../support/floor-jobs.js';
import { deployment } from '../support/k8s-fake-process.js';
import { RssSampler } from '../support/proc-memory.js';
import { startRawWorker } from '../support/raw-worker-process.js';
import { describeCost } from '../support/redis-info.js';
import { goalText, meets } from '../support/results.js';
import { drain, type Drain } from '../support/run-drain.js';
import { int, mb } from '../support/stats.js';
import { openSubmitter, type RunStates, type Submitter } from '../support/submitter.js';

export const CONCURRENCY = 50;
const RUNS_GOAL = { atLeast: 0.5 };

export interface FloorRuns {
  rate: number;
  commandsPerJob: number;
}

/** Raw BullMQ: `count` no-op jobs through `workers` Worker processes at concurrency 50 each. */
export async function floorRuns(ctx: BenchContext, count: number, workers = 1): Promise<FloorRuns & { redisCpu: number }> {
  const connection = new Redis(ctx.redis.url, { maxRetriesPerRequest: null });
  const queue = floorQueue(connection, 'floor-runs');
  const started = await Promise.all(Array.from({ length: workers }, (_, i) => startRawWorker(ctx.children, ctx.redis.url, 'floor-runs', CONCURRENCY, `raw-worker-${i}`)));
  const finishedCount = async () => (await Promise.all(started.map((w) => w.processed()))).reduce((a, b) => a + b, 0);
  try {
    await drain({ redis: ctx.redis.client, queue, count: 200, add: () => addInBulks(queue, 200, 100, 1, 1_000_000), finishedCount, pollMs: 10, timeoutMs: 30_000 }); // warm-up
    const d = await drain({ redis: ctx.redis.client, queue, count, add: () => addInBulks(queue, count, 100, 4), finishedCount, pollMs: 10, timeoutMs: 120_000 });
    const perJob = (d.addCost.calls + d.processCost.calls) / count;
    ctx.log(`  floor: raw BullMQ, ${int(count)} no-op jobs, ${workers} Worker process${workers > 1 ? 'es' : ''} at concurrency ${CONCURRENCY}: ${int(d.rate)} jobs/s (${d.finished}/${count} in ${(d.elapsedMs / 1000).toFixed(1)} s)`);
    ctx.log(`    add (addBulk): ${describeCost(d.addCost, count, 'job')}`);
    ctx.log(`    process: ${describeCost(d.processCost, count, 'job')}`);
    ctx.log(`    ${perJob.toFixed(1)} commands per job in all; ${redisCpuText(d, 'job')}`);
    return { rate: d.rate, commandsPerJob: perJob, redisCpu: d.redisCpu };
  } finally {
    await Promise.all(started.map((w) => w.child.stop()));
    await queue.close();
    await connection.quit();
    await resetRedis(ctx);
  }
}

/** Submits runs (queue paused), then times the workers emptying the queue. */
export async function drainRuns(
  ctx: BenchContext,
  submitter: Submitter,
  runs: Array<{ runbook: string; params: Record<string, unknown> }>,
  timeoutMs: number,
): Promise<Drain & { states: RunStates }> {
  const queue = droverQueue(ctx.redis.url);
  try {
    let ids: string[] = [];
    const d = await drain({ redis: ctx.redis.client, queue: queue.queue, count: runs.length, add: async () => (ids = await submitter.submitAll(runs, CONCURRENCY)), timeoutMs });
    return { ...d, states: await submitter.states(ids) };
  } finally {
    await queue.close();
  }
}

/** Redis's CPU (INFO cpu) per job to add and to process it, while draining, and the memory a finished one leaves. */
export function redisCpuText(d: Drain, unit: string): string {
  const us = (s: number) => `${(s * 1e6).toFixed(0)} µs`;
  return `Redis CPU per ${unit}: ${us(d.addCpuPerJob)} to add, ${us(d.processCpuPerJob)} to process (${(d.redisCpu * 100).toFixed(0)}% of a core while draining); Redis memory left per finished ${unit}: ${(d.bytesPerJob / 1024).toFixed(1)} KiB`;
}

export function describeDrain(ctx: BenchContext, d: Drain & { states: RunStates }, what: string): void {
  ctx.log(`  Drover: ${int(d.rate)} runs/s, ${what} (${d.finished}/${d.count} finished in ${(d.elapsedMs / 1000).toFixed(1)} s; states ${JSON.stringify(d.states.counts)})`);
  for (const e of d.states.errors) ctx.log(`    ERROR in runs: ${e}`);
  ctx.log(`    submit (as drover run does; ${int(d.count / (d.addMs / 1000))} runs/s, 50 at a time): ${describeCost(d.addCost, d.count, 'run')}`);
  ctx.log(`    execute: ${describeCost(d.processCost, d.count, 'run')}`);
  ctx.log(`    ${((d.addCost.calls + d.processCost.calls) / d.count).toFixed(1)} commands per run in all; ${redisCpuText(d, 'run')}`);
}

export async function benchRuns(ctx: BenchContext): Promise<void> {
  const count = ctx.quick ? 500 : 5000;
  const shared = ctx.quick ? 200 : 1000;
  ctx.log(`runs: no-op runs on distinct targets, worker concurrency ${CONCURRENCY}`);
  // The floor is several times faster: more jobs, so that its clock runs long enough to read.
  const base = await floorRuns(ctx, count * 4);

  await ctx.fake.seed(Array.from({ length: 50 }, (_, i) => deployment('bench', `web-${i}`)));
  const worker = await startDrover(ctx.children, { name: 'runs-worker', args: ['worker'], redisUrl: ctx.redis.url, workspace: ctx.workspace, profile: ctx.profile });
  const submitter = await openSubmitter(ctx.redis.url, ctx.workspace);
  try {
    const noop = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ runbook: 'bench-noop', params: { target: `${tag}-${i}` } }));
    await drainRuns(ctx, submitter, noop(200, 'warm'), 60_000);
    const sampler = new RssSampler([worker.pid]);
    const d = await drainRuns(ctx, submitter, noop(count, 't'), 300_000);
    const peak = sampler.stop().get(worker.pid) ?? 0;
    describeDrain(ctx, d, `${count} bench-noop runs on distinct targets`);
    const perRun = (d.addCost.calls + d.processCost.calls) / count;
    const ratio = d.rate / base.rate;
    const events = await ctx.redis.client.xlen(`${PREFIX}:audit`);
    const auditBytes = Number(await ctx.redis.client.call('MEMORY', 'USAGE', `${PREFIX}:audit`, 'SAMPLES', '0'));
    ctx.log(`    audit stream: ${events} events (${(events / (count + 200)).toFixed(1)} per run, warm-up included), ${(auditBytes / Math.max(1, events)).toFixed(0)} B each in Redis`);
    ctx.log(`    ratio ${ratio.toFixed(2)} (goal ≥ ${RUNS_GOAL.atLeast}); ${(perRun / base.commandsPerJob).toFixed(1)}× the floor's commands per job`);
    ctx.row({
      figure: `no-op runs, distinct targets, concurrency ${CONCURRENCY}`,
      drover: `${int(d.rate)} runs/s`,
      floor: `${int(base.rate)} jobs/s (raw Worker)`,
      ratio,
      goal: goalText(RUNS_GOAL, 'ratio'),
      met: d.finished === count && (d.states.counts.succeeded ?? 0) === count ? meets(ratio, RUNS_GOAL) : false,
    });
    ctx.row({ figure: 'Redis commands per run (submit + execute)', drover: perRun.toFixed(1), floor: `${base.commandsPerJob.toFixed(1)} (add + process)`, ratio: perRun / base.commandsPerJob, goal: '-' });

    const s = await drainRuns(ctx, submitter, Array.from({ length: shared }, (_, i) => ({ runbook: 'restart-deployment', params: { namespace: 'bench', deployment: `web-${i % 50}` } })), 300_000);
    describeDrain(ctx, s, `${shared} restart-deployment runs on 50 shared deployments (runs wait on their target's lock)`);
    ctx.row({ figure: 'restart-deployment, 50 shared deployments', drover: `${int(s.rate)} runs/s`, floor: `${int(base.rate)} jobs/s (raw Worker)`, ratio: s.rate / base.rate, goal: '-' });
    const finalPeak = Math.max(peak, worker.memory()?.hwm ?? 0);
    const gc = await worker.collect();
    ctx.log(`  worker RSS: peak ${mb(peak)} during the no-op runs, VmHWM ${mb(finalPeak)}; ${mb(gc.rss)} after a forced GC (heap used ${mb(gc.heapUsed)})`);
    ctx.row({ figure: 'RSS peak during the runs, worker', drover: mb(finalPeak), floor: '-', goal: '< 300 MiB', met: finalPeak < 300 * 1024 * 1024 });
  } finally {
    await submitter.close();
    await worker.stop();
    await resetRedis(ctx);
  }
  logProfile(ctx, 'runs worker (no-op runs, then restart-deployment)', worker.pid);
}
