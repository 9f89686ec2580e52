// Alert ingest: 10,000 distinct alerts through the real webhook of a compiled
// `drover serve --no-worker` (webhooks of 100, 4 at a time), beside its floor
// measured first on the same Redis: raw BullMQ addBulk of jobs of the same
// size, in the same bulks. Then the latency from a webhook to the first
// Kubernetes API call of its run, with a worker running.
import { Redis } from 'ioredis';
import { type BenchContext, logProfile, resetRedis } from '../support/context.js';
import { crashLooping, deliver, webhookPayload } from '../support/alerts.js';
import { startDrover, WEBHOOK_TOKEN } from '../support/drover-process.js';
import { droverQueue } from '../support/drover-queue.js';
import { addInBulks, floorJob, floorQueue } from '../support/floor-jobs.js';
import { pod } from '../support/k8s-fake-process.js';
import { RssSampler } from '../support/proc-memory.js';
import { commandStats, costBetween, describeCost, redisCpuSeconds, redisUsedMemory } from '../support/redis-info.js';
import { goalText, meets } from '../support/results.js';
import { int, mb, ms, perSecond, sleep, summary, waitFor } from '../support/stats.js';

const BATCH = 100;
const PARALLEL = 4;
const INGEST_GOAL = { atLeast: 0.7 };
const LATENCY_GOAL = { atMost: 100 };
/** An alert's run id is derived from the alert (21 characters), longer than a submitted run's. */
const ALERT_RUN_ID_LENGTH = 21;

async function floor(ctx: BenchContext, alerts: number): Promise<{ rate: number; commandsPerJob: number; payload: number }> {
  const connection = new Redis(ctx.redis.url, { maxRetriesPerRequest: null });
  const queue = floorQueue(connection, 'floor-ingest');
  try {
    await addInBulks(queue, BATCH, BATCH, 1, 1_000_000); // warm-up: scripts loaded, connection open
    const cpuBefore = await redisCpuSeconds(ctx.redis.client);
    const before = await commandStats(ctx.redis.client);
    const elapsed = await addInBulks(queue, alerts, BATCH, PARALLEL, 0, ALERT_RUN_ID_LENGTH);
    const cost = costBetween(before, await commandStats(ctx.redis.client));
    const cpu = (await redisCpuSeconds(ctx.redis.client)) - cpuBefore;
    const rate = perSecond(alerts, elapsed);
    const payload = JSON.stringify(floorJob(0, ALERT_RUN_ID_LENGTH).data).length;
    ctx.log(`  floor: raw BullMQ addBulk, ${int(alerts)} jobs of ${payload} B in bulks of ${BATCH}, ${PARALLEL} at a time: ${int(rate)} jobs/s`);
    ctx.log(`    ${describeCost(cost, alerts, 'job')}; Redis CPU per job ${((cpu / alerts) * 1e6).toFixed(0)} µs`);
    return { rate, commandsPerJob: cost.calls / alerts, payload };
  } finally {
    await queue.close();
    await connection.quit();
    await resetRedis(ctx);
  }
}

async function latency(ctx: BenchContext, serveUrl: string, samples: number): Promise<void> {
  await ctx.fake.clear();
  const sentAt = new Map<string, number>();
  for (let i = 0; i < samples; i++) {
    const name = `lat-${i}`;
    const body = JSON.stringify(webhookPayload([crashLooping(name)]));
    sentAt.set(name, performance.timeOrigin + performance.now());
    await deliver(serveUrl, WEBHOOK_TOKEN, body);
    await sleep(20);
  }
  const firstCall = new Map<string, number>();
  await waitFor(async () => {
    for (const r of await ctx.fake.requests()) {
      const name = /\/pods\/(lat-\d+)/.exec(r.path)?.[1];
      if (name && !firstCall.has(name)) firstCall.set(name, r.at);
    }
    return firstCall.size >= samples;
  }, 30_000, 250);
  const lat = summary([...sentAt].filter(([name]) => firstCall.has(name)).map(([name, t]) => (firstCall.get(name) as number) - t));
  ctx.log(`  webhook → first Kubernetes API call of its run (one alert per webhook, worker running): p50 ${ms(lat.p50)}, p99 ${ms(lat.p99)} (${lat.n}/${samples} samples)`);
  ctx.row({ figure: 'webhook → first Kubernetes call, p99', drover: ms(lat.p99), floor: '-', goal: `< ${LATENCY_GOAL.atMost} ms`, met: lat.n === samples ? meets(lat.p99, LATENCY_GOAL) : false });
}

export async function benchIngest(ctx: BenchContext): Promise<void> {
  const alerts = ctx.quick ? 1000 : 10_000;
  const samples = ctx.quick ? 50 : 200;
  ctx.log(`alert ingest: ${alerts} distinct alerts in webhooks of ${BATCH}, ${PARALLEL} at a time`);
  // The floor is several times faster: more jobs, so that its clock runs long enough to read.
  const base = await floor(ctx, alerts * 3);

  await ctx.fake.seed(Array.from({ length: samples }, (_, i) => pod('demo', `lat-${i}`)));
  // The worker announces the cluster the alerts' runs go to; the queue is paused for the storm, so the storm measures intake alone.
  const worker = await startDrover(ctx.children, { name: 'ingest-worker', args: ['worker'], redisUrl: ctx.redis.url, workspace: ctx.workspace });
  const serve = await startDrover(ctx.children, { name: 'ingest-serve', args: ['serve', '--no-worker'], redisUrl: ctx.redis.url, workspace: ctx.workspace, profile: ctx.profile });
  const runs = droverQueue(ctx.redis.url);
  try {
    await latency(ctx, serve.url, samples);
    await runs.queue.pause();
    await waitFor(async () => ((await runs.queue.getJobCounts('active')).active ?? 0) === 0, 30_000);

    const payloads = Array.from({ length: Math.ceil(alerts / BATCH) }, (_, b) =>
      JSON.stringify(webhookPayload(Array.from({ length: Math.min(BATCH, alerts - b * BATCH) }, (_, i) => crashLooping(`storm-${b}-${i}`)))),
    );
    await deliver(serve.url, WEBHOOK_TOKEN, JSON.stringify(webhookPayload(Array.from({ length: BATCH }, (_, i) => crashLooping(`warm-${i}`)))));
    const totals: Record<string, number> = {};
    const sampler = new RssSampler([serve.pid]);
    const memoryBefore = await redisUsedMemory(ctx.redis.client);
    const cpuBefore = await redisCpuSeconds(ctx.redis.client);
    const before = await commandStats(ctx.redis.client);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < payloads.length) {
          for (const [k, v] of Object.entries(await deliver(serve.url, WEBHOOK_TOKEN, payloads[next++] ?? ''))) totals[k] = (totals[k] ?? 0) + v;
        }
      }),
    );
    const elapsed = performance.now() - started;
    const cost = costBetween(before, await commandStats(ctx.redis.client));
    const cpu = (await redisCpuSeconds(ctx.redis.client)) - cpuBefore;
    const memory = (await redisUsedMemory(ctx.redis.client)) - memoryBefore;
    const peak = sampler.stop().get(serve.pid) ?? 0;
    const rate = perSecond(alerts, elapsed);
    const [job] = await runs.queue.getJobs(['wait'], 0, 0);
    const payload = job ? JSON.stringify(job.data).length : Number.NaN;
    const enqueued = totals.enqueued ?? 0;
    ctx.log(`  Drover: ${int(rate)} alerts/s from webhook to enqueued run; outcomes ${JSON.stringify(totals)}; a job's payload ${payload} B (floor's ${base.payload} B): ${job ? JSON.stringify(job.data) : '-'}`);
    ctx.log(`    ${describeCost(cost, alerts, 'alert')}`);
    ctx.log(`    Redis CPU per alert ${((cpu / alerts) * 1e6).toFixed(0)} µs (${((cpu / (elapsed / 1000)) * 100).toFixed(0)}% of a core during the storm); Redis memory per alert ${(memory / alerts / 1024).toFixed(1)} KiB (its run queued)`);
    ctx.log(`    ratio ${(rate / base.rate).toFixed(2)} (goal ≥ ${INGEST_GOAL.atLeast}); Redis commands ${(cost.calls / alerts / base.commandsPerJob).toFixed(1)}× the floor's per job`);
    const gc = await serve.collect();
    ctx.log(`  serve RSS: peak ${mb(peak)} during the storm (VmHWM ${mb(serve.memory()?.hwm ?? 0)}), ${mb(gc.rss)} after a forced GC (heap used ${mb(gc.heapUsed)})`);
    const ratio = rate / base.rate;
    ctx.row({
      figure: `alert ingest (${int(alerts)} alerts)`,
      drover: `${int(rate)} alerts/s`,
      floor: `${int(base.rate)} jobs/s (addBulk)`,
      ratio,
      goal: goalText(INGEST_GOAL, 'ratio'),
      met: enqueued === alerts ? meets(ratio, INGEST_GOAL) : false,
    });
    ctx.row({ figure: 'Redis commands per alert', drover: (cost.calls / alerts).toFixed(1), floor: `${base.commandsPerJob.toFixed(1)} (addBulk job)`, ratio: cost.calls / alerts / base.commandsPerJob, goal: '-' });
    ctx.row({ figure: 'RSS peak during the alert storm, serve', drover: mb(peak), floor: '-', goal: '< 300 MiB', met: peak < 300 * 1024 * 1024 });
    if (enqueued !== alerts) ctx.log(`  WARNING: ${enqueued}/${alerts} alerts enqueued a run`);
  } finally {
    await runs.close();
    await Promise.all([serve.stop(), worker.stop()]);
    await resetRedis(ctx);
  }
  logProfile(ctx, 'ingest serve (the latency samples, then the storm)', serve.pid);
}
