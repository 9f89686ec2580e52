// The floor's worker process (processes/raw-worker.js), seen from the benchmark.
import type { Children, Child } from './children.js';
import { FLOOR_PREFIX } from './floor-jobs.js';
import { ask } from './ipc.js';
import { benchJs } from './paths.js';

export interface RawWorker {
  child: Child;
  /** Jobs it has processed so far (asked over IPC: no Redis command). */
  processed(): Promise<number>;
}

export async function startRawWorker(children: Children, redisUrl: string, queueName: string, concurrency: number, name = 'raw-worker'): Promise<RawWorker> {
  const child = children.start(name, benchJs('processes/raw-worker.js'), [redisUrl, FLOOR_PREFIX, queueName, String(concurrency)], { ipc: true, execArgv: [] });
  await ask(child.process, undefined, 'ready', 30_000);
  return { child, processed: () => ask<number>(child.process, 'count', 'processed', 10_000) };
}
