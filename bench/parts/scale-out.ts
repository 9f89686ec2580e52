// Scale-out: 1, 2 and 4 compiled worker processes (concurrency 50 each) on one
// Redis, emptying a queue of no-op runs on distinct targets: runs/s in all and
// per worker, and Redis's CPU (INFO cpu) per second of wall time; each beside
// the same number of raw BullMQ Worker processes, measured first.
import { type BenchContext, resetRedis } from '../support/context.js';
import { startDrover, type DroverProcess } from '../support/drover-process.js';
import { int } from '../support/stats.js';
import { openSubmitter } from '../support/submitter.js';
import { drainRuns, floorRuns } from './runs.js';

/** Finished bench-noop runs, from the worker's own /metrics. */
async function runsDone(worker: DroverProcess): Promise<number> {
  const text = await (await fetch(`${worker.url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  let total = 0;
  for (const m of text.matchAll(/^drover_runs_total\{([^}]*)\} (\d+)/gm)) if (m[1]?.includes('runbook="bench-noop"')) total += Number(m[2]);
  return total;
}

export async function benchScaleOut(ctx: BenchContext): Promise<void> {
  const count = ctx.quick ? 500 : 5000;
  ctx.log(`scale-out: ${count} no-op runs on distinct targets, 1, 2 and 4 worker processes at concurrency 50 each`);
  for (const workers of [1, 2, 4]) {
    const base = await floorRuns(ctx, count * 4, workers);
    const started = await Promise.all(
      Array.from({ length: workers }, (_, i) => startDrover(ctx.children, { name: `scale-${workers}-worker-${i}`, args: ['worker'], redisUrl: ctx.redis.url, workspace: ctx.workspace })),
    );
    const submitter = await openSubmitter(ctx.redis.url, ctx.workspace);
    try {
      const noop = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ runbook: 'bench-noop', params: { target: `${tag}-${i}` } }));
      await drainRuns(ctx, submitter, noop(200 * workers, 'warm'), 60_000);
      const before = await Promise.all(started.map(runsDone));
      const d = await drainRuns(ctx, submitter, noop(count, 't'), 300_000);
      const after = await Promise.all(started.map(runsDone));
      const perWorker = after.map((a, i) => int((a - (before[i] ?? 0)) / (d.elapsedMs / 1000)));
      ctx.log(
        `  ${workers} worker${workers > 1 ? 's' : ''}: ${int(d.rate)} runs/s (per worker: ${perWorker.join(', ')}); Redis CPU ${(d.redisCpu * 100).toFixed(0)}% of a core ` +
          `(floor: ${int(base.rate)} jobs/s, Redis CPU ${(base.redisCpu * 100).toFixed(0)}%); ${d.finished}/${count} finished, states ${JSON.stringify(d.states.counts)}`,
      );
      for (const e of d.states.errors) ctx.log(`    ERROR in runs: ${e}`);
      ctx.row({
        figure: `scale-out: ${workers} worker${workers > 1 ? 's' : ''}, runs/s (Redis CPU)`,
        drover: `${int(d.rate)} (${(d.redisCpu * 100).toFixed(0)}%)`,
        floor: `${int(base.rate)} (${(base.redisCpu * 100).toFixed(0)}%)`,
        ratio: d.rate / base.rate,
        goal: '-',
      });
    } finally {
      await submitter.close();
      await Promise.all(started.map((w) => w.stop()));
      await resetRedis(ctx);
    }
  }
}
