// A whole Drover for a benchmark: its own Redis prefix, a fake Kubernetes API
// server as cluster `bench`, the shipped runbooks; close() removes every key.
import { pino } from 'pino';
import { Redis } from 'ioredis';
import { createDrover, type Drover } from '../src/app.js';
import { loadConfig, type Env } from '../src/config/load-config.js';
import type { Config } from '../src/config/schema.js';
import { ClusterRegistry } from '../src/k8s/clusters.js';
import { loadRunbooks } from '../src/runbook/registry.js';
import { startK8sFake, type K8sFake } from '../src/testing/index.js';
import { deletePrefix } from '../test/support/redis.js';
import { parsePolicy } from '../src/policy/index.js';

export interface BenchDrover {
  drover: Drover;
  redis: Redis;
  fake: K8sFake;
  close(): Promise<void>;
}

const BENCH_POLICY = `
groups: { everyone: ['*', alertmanager] }
rules: [{ groups: [everyone], runbooks: ['*'], clusters: ['*'] }]
`;

export async function startBenchDrover(options: { name: string; redisUrl: string; env?: Env; configure?: (c: Config) => void }): Promise<BenchDrover> {
  const prefix = `drover-bench-${options.name}:${process.pid}`;
  const config = loadConfig({ env: { DROVER_REDIS_PREFIX: prefix, REDIS_URL: options.redisUrl, ...options.env } });
  options.configure?.(config);
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const fake = await startK8sFake();
  const { registry } = await loadRunbooks(new URL('../runbooks', import.meta.url).pathname);
  const drover = createDrover({
    config,
    redis,
    logger: pino({ level: 'silent' }),
    runbooks: registry,
    clusters: new ClusterRegistry({ extra: [{ name: 'bench', source: 'sandbox', server: fake.url, kubeConfig: fake.kubeConfig() }] }),
    // Everyone may run everything: the benches measure throughput, not permissions (the policy is still evaluated).
    policy: { document: parsePolicy(BENCH_POLICY, 'bench policy') },
  });
  return {
    drover,
    redis,
    fake,
    async close() {
      await drover.close();
      await deletePrefix(redis, prefix);
      await redis.quit();
      await fake.stop();
    },
  };
}
