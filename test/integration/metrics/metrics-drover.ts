import { pino } from 'pino';
import { createDrover, type Drover } from '../../../src/app.js';
import { loadConfig } from '../../../src/config/load-config.js';
import type { Config } from '../../../src/config/schema.js';
import { ClusterRegistry } from '../../../src/k8s/clusters.js';
import { RunbookRegistry } from '../../../src/runbook/registry.js';
import type { Runbook } from '../../../src/runbook/types.js';
import { startK8sFake, type K8sFake } from '../../../src/testing/index.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';
import { allowAll, shippedRunbooks } from '../../support/test-drover.js';
import { serveOn } from './scrape.js';
import type { Redis } from 'ioredis';

export interface MetricsDrover {
  drover: Drover;
  redis: Redis;
  config: Config;
  prefix: string;
  fake: K8sFake;
  /** Where its router listens (/metrics). */
  base: string;
  close(): Promise<void>;
}

/**
 * A serving Drover as `drover serve` builds it (process metrics on), on a
 * fresh prefix, acting on a fake cluster `test`, its router on a free port.
 */
export async function buildMetricsDrover(options: { runbooks?: Runbook[]; configure?: (c: Config) => void } = {}): Promise<MetricsDrover> {
  const prefix = uniquePrefix('metrics');
  const config = loadConfig({ env: { DROVER_REDIS_PREFIX: prefix } });
  config.jobs.backoff = 50;
  config.jobs.maxBackoff = 200;
  options.configure?.(config);
  const fake = await startK8sFake();
  const redis = redisClient();
  const clusters = new ClusterRegistry({ extra: [{ name: 'test', source: 'sandbox', server: fake.url, kubeConfig: fake.kubeConfig() }] });
  const runbooks = new RunbookRegistry([...(await shippedRunbooks()), ...(options.runbooks ?? [])]);
  const drover = createDrover({ config, redis, logger: pino({ level: 'silent' }), runbooks, clusters, policy: allowAll(), processMetrics: true });
  const server = await serveOn(drover.router.listener);
  return {
    drover,
    redis,
    config,
    prefix,
    fake,
    base: server.base,
    async close() {
      await server.close();
      await drover.close();
      await deletePrefix(redis, prefix);
      await redis.quit();
      await fake.stop();
    },
  };
}
