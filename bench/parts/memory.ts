// Resident memory of the compiled processes: idle 30 s after start (--quick
// waits less, and says so), then after a forced GC, with what the heap holds
// (heap snapshots with --heap). The peaks during the storms are measured by
// the ingest (serve) and runs (worker) parts.
import { type BenchContext, resetRedis } from '../support/context.js';
import { startDrover, type DroverProcess } from '../support/drover-process.js';
import { describeHeap, summariseHeapSnapshot } from '../support/heap-snapshot.js';
import { mb, sleep } from '../support/stats.js';

const IDLE_GOAL = 150 * 1024 * 1024;

async function idleFigures(ctx: BenchContext, p: DroverProcess, idleMs: number): Promise<void> {
  const wait = p.spawnedAt + idleMs - performance.now();
  if (wait > 0) await sleep(wait);
  const idle = p.memory()?.rss ?? Number.NaN;
  const gc = await p.collect({ snapshot: ctx.heap });
  ctx.log(
    `  ${p.name}: RSS ${mb(idle)} idle ${idleMs / 1000} s after start; after a forced GC: RSS ${mb(gc.rss)}, ` +
      `heap used ${mb(gc.heapUsed)} of ${mb(gc.heapTotal)}, external ${mb(gc.external)} (array buffers ${mb(gc.arrayBuffers)}); ` +
      `the rest of the RSS (${mb(gc.rss - gc.heapTotal - gc.external)}) is code, V8's own and native memory`,
  );
  ctx.row({ figure: `idle RSS ${idleMs / 1000} s after start, ${p.name.replace('memory-', '')}`, drover: mb(idle), floor: '-', goal: '< 150 MiB', met: idle < IDLE_GOAL });
  ctx.row({ figure: `  after a forced GC (heap used)`, drover: `${mb(gc.rss)} (${mb(gc.heapUsed)})`, floor: '-', goal: '-' });
  if (gc.snapshot) {
    ctx.log(`    heap snapshot ${gc.snapshot}; top by self size:`);
    for (const line of describeHeap(summariseHeapSnapshot(gc.snapshot))) ctx.log(`      ${line}`);
  }
}

export async function benchMemory(ctx: BenchContext): Promise<void> {
  const idleMs = ctx.quick ? 5000 : 30_000;
  ctx.log(`memory: compiled serve and worker, idle ${idleMs / 1000} s after start${ctx.quick ? ' (--quick: 30 s without it)' : ''}`);
  const [worker, serve] = await Promise.all([
    startDrover(ctx.children, { name: 'memory-worker', args: ['worker'], redisUrl: ctx.redis.url, workspace: ctx.workspace }),
    startDrover(ctx.children, { name: 'memory-serve', args: ['serve', '--no-worker'], redisUrl: ctx.redis.url, workspace: ctx.workspace }),
  ]);
  try {
    ctx.log(`  ready in ${(serve.readyMs / 1000).toFixed(1)} s (serve) and ${(worker.readyMs / 1000).toFixed(1)} s (worker), started together`);
    // One after the other: the forced GC of one must not be counted in the other's idle figure.
    await idleFigures(ctx, serve, idleMs);
    await idleFigures(ctx, worker, idleMs);
  } finally {
    await Promise.all([serve.stop(), worker.stop()]);
    await resetRedis(ctx);
  }
}
