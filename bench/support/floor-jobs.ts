// Raw BullMQ jobs shaped as Drover's: the same data fields (so the same
// payload size) and the same job options as RunQueue gives its jobs.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

const RETENTION_S = 7 * 86_400;

export const FLOOR_PREFIX = 'floor';

/** A job as Drover's; `idLength` 15 is a submitted run's id (`r` + base36 time + 6 random characters). */
export function floorJob(i: number, idLength = 15) {
  const runId = `r${Date.now().toString(36)}${i.toString(36).padStart(idLength - 9, '0')}`;
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
export async function addInBulks(queue: Queue, count: number, batch: number, parallel: number, offset = 0, idLength = 15): Promise<number> {
  const bulks = Array.from({ length: Math.ceil(count / batch) }, (_, b) =>
    Array.from({ length: Math.min(batch, count - b * batch) }, (_, i) => floorJob(offset + b * batch + i, idLength)),
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
