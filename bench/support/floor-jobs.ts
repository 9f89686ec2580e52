// Raw BullMQ jobs shaped as Drover's: the same data fields (so the same
// payload size) and the same job options as RunQueue gives its jobs.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

const RETENTION_S = 7 * 86_400;

export const FLOOR_PREFIX = 'floor';

export function floorJob(i: number) {
  // An id as long as Drover's run ids (`r` + base36 time + 6 random characters).
  const runId = `r${Date.now().toString(36)}${i.toString(36).padStart(6, '0')}`;
  return {
    name: 'delete-pod',
    data: { runId, runbook: 'delete-pod', cluster: 'bench', dryRun: false },
    opts: {
      jobId: runId,
      attempts: 5,
      backoff: { type: 'drover' },
      removeOnComplete: { age: RETENTION_S, count: 10_000 },
      removeOnFail: { age: RETENTION_S, count: 10_000 },
    },
  };
}

export function floorQueue(connection: Redis, name: string): Queue {
  return new Queue(name, { connection, prefix: FLOOR_PREFIX });
}

/** Adds `count` jobs in bulks of `batch`, `parallel` bulks at a time; the elapsed milliseconds. */
export async function addInBulks(queue: Queue, count: number, batch: number, parallel: number, offset = 0): Promise<number> {
  const bulks = Array.from({ length: Math.ceil(count / batch) }, (_, b) =>
    Array.from({ length: Math.min(batch, count - b * batch) }, (_, i) => floorJob(offset + b * batch + i)),
  );
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < bulks.length) await queue.addBulk(bulks[next++] ?? []);
    }),
  );
  return performance.now() - started;
}

/** Waits until `count` jobs of the queue have completed or failed (polled every 50 ms, at most `timeoutMs`); false on timeout. */
export async function waitFinished(queue: Queue, count: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await queue.getJobCounts('completed', 'failed');
    if ((c.completed ?? 0) + (c.failed ?? 0) >= count) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}
