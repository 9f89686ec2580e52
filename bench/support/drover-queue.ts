// Drover's run queue seen from the benchmark (a plain BullMQ Queue on the
// same keys), to pause it, resume it and count what it finished.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { PREFIX } from './drover-process.js';

export interface QueueHandle {
  queue: Queue;
  close(): Promise<void>;
}

export function droverQueue(redisUrl: string): QueueHandle {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('runs', { connection, prefix: `${PREFIX}:q` });
  return {
    queue,
    async close() {
      await queue.close();
      await connection.quit();
    },
  };
}
