// How fast workers empty a queue: jobs are added while the queue is paused,
// then it is resumed and the clock runs until all of them have finished.
// The Redis commands (and Redis CPU) of the add and of the processing are
// counted apart.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { commandStats, costBetween, redisCpuSeconds, redisUsedMemory, type CommandCost } from './redis-info.js';

export interface Drain {
  count: number;
  finished: number;
  elapsedMs: number;
  /** Runs (or jobs) per second from resume to the last one finished. */
  rate: number;
  addCost: CommandCost;
  addMs: number;
  processCost: CommandCost;
  /** Redis CPU seconds per wall second while the queue drained. */
  redisCpu: number;
  /** Redis CPU seconds per job (or run) to add it, and to process it. */
  addCpuPerJob: number;
  processCpuPerJob: number;
  /** Redis used_memory after the drain minus before the add, per job (what a finished job leaves behind). */
  bytesPerJob: number;
}

export async function drain(options: {
  redis: Redis;
  queue: Queue;
  count: number;
  /** Adds the jobs (the queue is paused meanwhile). */
  add: () => Promise<unknown>;
  /** Jobs finished so far (default: the queue's completed and failed counts, polled every 50 ms). */
  finishedCount?: () => Promise<number>;
  pollMs?: number;
  timeoutMs: number;
}): Promise<Drain> {
  const { redis, queue, count } = options;
  await queue.pause();
  const finishedCount =
    options.finishedCount ??
    (async () => {
      const c = await queue.getJobCounts('completed', 'failed');
      return (c.completed ?? 0) + (c.failed ?? 0);
    });
  const already = await finishedCount();
  const memoryBefore = await redisUsedMemory(redis);
  const addCpuBefore = await redisCpuSeconds(redis);
  const beforeAdd = await commandStats(redis);
  const addStarted = performance.now();
  await options.add();
  const addMs = performance.now() - addStarted;
  const beforeRun = await commandStats(redis);
  const cpuBefore = await redisCpuSeconds(redis);
  const addCpu = cpuBefore - addCpuBefore;
  const started = performance.now();
  await queue.resume();
  let finished = 0;
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    finished = (await finishedCount()) - already;
    if (finished >= count) break;
    await new Promise((r) => setTimeout(r, options.pollMs ?? 50));
  }
  const elapsedMs = performance.now() - started;
  const cpuAfter = await redisCpuSeconds(redis);
  const afterRun = await commandStats(redis);
  const memoryAfter = await redisUsedMemory(redis);
  return {
    count,
    finished,
    elapsedMs,
    rate: finished / (elapsedMs / 1000),
    addCost: costBetween(beforeAdd, beforeRun),
    addMs,
    processCost: costBetween(beforeRun, afterRun),
    redisCpu: (cpuAfter - cpuBefore) / (elapsedMs / 1000),
    addCpuPerJob: addCpu / count,
    processCpuPerJob: (cpuAfter - cpuBefore) / count,
    bytesPerJob: (memoryAfter - memoryBefore) / count,
  };
}
