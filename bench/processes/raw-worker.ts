// The floor for the run pipeline: a bare BullMQ Worker whose processor does
// nothing, in a process of its own, as Drover's worker is.
// Usage: node dist/bench/processes/raw-worker.js <redisUrl> <prefix> <queue> <concurrency>
// IPC out: { ready: true } once connected; { processed: n } when asked with 'count'.
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const [redisUrl = '', prefix = '', queueName = '', concurrencyText = '50'] = process.argv.slice(2);
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
let processed = 0;
const worker = new Worker(
  queueName,
  () => {
    processed++;
    return Promise.resolve();
  },
  { connection, prefix, concurrency: Number(concurrencyText), autorun: false },
);
worker.on('error', (err) => process.stderr.write(`raw worker: ${err.message}\n`));
void worker.run();
await worker.waitUntilReady();
process.on('message', (message) => {
  if (message === 'count') process.send?.({ processed });
});
process.once('SIGTERM', () => {
  void worker.close().then(() => connection.quit()).finally(() => process.exit(0));
});
process.send?.({ ready: true });
