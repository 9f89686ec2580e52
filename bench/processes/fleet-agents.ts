// Many simulated clusters in one process, for the fleet benchmark.
//   agents <redisUrl> <first> <count>: Drover agents for clusters s<first>…,
//     built as `drover agent` builds one (config, runbooks and policy from the
//     environment, the kubeconfig's cluster under the agent cluster's name),
//     each with its own Redis connections, as separate pods would have.
//   raw <redisUrl> <prefix> <first> <count>: the floor, one bare BullMQ Worker
//     per cluster queue (fq.s<n>), each with its own connection.
// IPC out: { ready: { count, ms } } once all are started, or { failed }.
// IPC in: 'count' → { processed }, 'latencies' → { latencies: [jobId, ms][] }
// (raw: when each job's processor began), 'memory' → { memory: rss bytes }.
// SIGTERM closes everything (bounded) and exits.
import { readFileSync } from 'node:fs';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { configFrom, loggerFor, runbooksFrom } from '../../src/cli/runtime.js';
import { policySourceFrom } from '../../src/cli/policy-from-config.js';
import { createAgent, type Agent } from '../../src/fleet/agent.js';
import { agentClusterFrom } from '../../src/fleet/agent-cluster.js';
import { clusterName } from '../support/fleet-names.js';

const [mode = '', redisUrl = '', ...rest] = process.argv.slice(2);
const START_AT_ONCE = 25;

interface Closable {
  close(): Promise<void>;
}

const closables: Closable[] = [];
let processed = 0;
const latencies: Array<[string, number]> = [];

/** Runs `fn` on every index, `parallel` at a time. */
async function eachLimited(count: number, parallel: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

const bounded = (p: Promise<unknown>, ms: number) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, ms).unref())]);

async function startAgents(first: number, count: number): Promise<void> {
  const env = process.env;
  const config = configFrom({ env, cwd: process.cwd() });
  const logger = loggerFor(config, process.stderr, 'warn');
  // Loaded once per process: the same runbooks every agent would load for itself.
  const { registry: runbooks } = await runbooksFrom(config, { env, cwd: process.cwd() }, logger);
  const clusterEnv = env.HOME ? { home: env.HOME } : {};
  const policy = policySourceFrom(config, clusterEnv, (path) => readFileSync(path, 'utf8'));
  await eachLimited(count, START_AT_ONCE, async (i) => {
    const cluster = clusterName(first + i);
    // Its own command connection, as connectRedis makes it; createAgent duplicates it for BullMQ and the cancel subscriber.
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null, enableAutoPipelining: true });
    redis.on('error', () => undefined);
    const target = await agentClusterFrom(config, clusterEnv, cluster, logger);
    const agent: Agent = createAgent({ config, redis, cluster, runbooks, k8s: target.k8s, logger, policy, kubernetesVersion: target.kubernetesVersion });
    closables.push({
      close: async () => {
        await bounded(agent.close(true), 5000);
        await bounded(redis.quit(), 2000);
        redis.disconnect();
      },
    });
    await agent.start();
  });
}

async function startRaw(prefix: string, first: number, count: number): Promise<void> {
  await eachLimited(count, START_AT_ONCE, async (i) => {
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    connection.on('error', () => undefined);
    const worker = new Worker(
      `fq.${clusterName(first + i)}`,
      (job) => {
        latencies.push([job.id ?? '', Date.now()]);
        processed++;
        return Promise.resolve();
      },
      { connection, prefix, concurrency: 1, autorun: false },
    );
    worker.on('error', (err) => process.stderr.write(`raw worker: ${err.message}\n`));
    closables.push({
      close: async () => {
        await bounded(worker.close(true), 5000);
        await bounded(connection.quit(), 2000);
        connection.disconnect();
      },
    });
    void worker.run();
    await worker.waitUntilReady();
  });
}

process.on('message', (message) => {
  if (message === 'count') process.send?.({ processed });
  else if (message === 'latencies') process.send?.({ latencies });
  else if (message === 'memory') process.send?.({ memory: process.memoryUsage().rss });
});
process.once('SIGTERM', () => {
  void eachLimited(closables.length, 100, (i) => closables[i]?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});

const started = performance.now();
try {
  if (mode === 'agents') await startAgents(Number(rest[0]), Number(rest[1]));
  else if (mode === 'raw') await startRaw(rest[0] ?? '', Number(rest[1]), Number(rest[2]));
  else throw new Error(`unknown mode "${mode}"`);
  process.send?.({ ready: { count: closables.length, ms: performance.now() - started } });
} catch (err) {
  process.send?.({ failed: err instanceof Error ? (err.stack ?? err.message) : String(err) });
}
