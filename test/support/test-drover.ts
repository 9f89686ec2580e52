import type { KubeConfig } from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { Tracer } from '@opentelemetry/api';
import { readFileSync } from 'node:fs';
import { createDrover, type Drover, type PolicySource } from '../../src/app.js';
import { loadPolicyFile } from '../../src/policy/index.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/schema.js';
import { ClusterRegistry, type Cluster } from '../../src/k8s/clusters.js';
import { RunbookRegistry, loadRunbooks } from '../../src/runbook/registry.js';
import type { Runbook } from '../../src/runbook/types.js';
import { startK8sFake, type K8sFake } from '../../src/testing/index.js';
import { deletePrefix, redisClient, uniquePrefix } from './redis.js';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A policy for tests not about permissions: everyone may run everything (approval where runbooks declare it). */
export const ALLOW_ALL_POLICY = join(ROOT, 'test', 'fixtures', 'allow-all-policy.yaml');

export function allowAll(): PolicySource {
  return { document: loadPolicyFile(ALLOW_ALL_POLICY, (p) => readFileSync(p, 'utf8')) };
}

/** A whole Drover acting on one cluster named `test`, whatever serves it. */
export interface ClusterDrover {
  drover: Drover;
  redis: Redis;
  config: Config;
  prefix: string;
  queueName: string;
  close(): Promise<void>;
}

export interface TestDrover extends ClusterDrover {
  fake: K8sFake;
}

export interface BuildDroverOptions {
  runbooks?: Runbook[];
  configure?: (c: Config) => void;
  policy?: PolicySource;
  /** Another Redis than the shared one (a test's own, to kill and restart). */
  redisUrl?: string;
  /** Silent by default. */
  logger?: Logger;
  /** Tracing off by default (see createTracing). */
  tracer?: Tracer;
}

export async function shippedRunbooks(): Promise<Runbook[]> {
  const { registry, problems } = await loadRunbooks(join(ROOT, 'runbooks'));
  if (problems.length) throw new Error(problems.join('\n'));
  return registry.list();
}

/**
 * A whole Drover on a fresh Redis prefix and queue, acting on the API server
 * at `server` (a real one or the fake) registered as cluster `test`.
 */
export async function buildDroverOn(cluster: { server: string; kubeConfig: KubeConfig; source?: Cluster['source'] }, options: BuildDroverOptions = {}): Promise<ClusterDrover> {
  const prefix = uniquePrefix();
  // The prefix is unique, so the default queue name is isolated too (and the CLI finds it).
  const queueName = 'runs';
  const config = loadConfig({ env: { DROVER_REDIS_PREFIX: prefix } });
  config.jobs.backoff = 50;
  config.jobs.maxBackoff = 200;
  options.configure?.(config);
  const redis = redisClient(options.redisUrl);
  const runbooks = new RunbookRegistry(options.runbooks ?? (await shippedRunbooks()));
  const clusters = new ClusterRegistry({
    extra: [{ name: 'test', source: cluster.source ?? 'sandbox', server: cluster.server, kubeConfig: cluster.kubeConfig }],
  });
  const drover = createDrover({
    config,
    redis,
    logger: options.logger ?? pino({ level: 'silent' }),
    runbooks,
    clusters,
    policy: options.policy ?? allowAll(),
    ...(options.tracer ? { tracer: options.tracer } : {}),
  });
  return {
    drover,
    redis,
    config,
    prefix,
    queueName,
    async close() {
      await drover.close();
      await deletePrefix(redis, prefix);
      await redis.quit();
    },
  };
}

/** buildDroverOn a fresh fake Kubernetes API server (or the one given, which the caller stops). */
export async function buildTestDrover(options: BuildDroverOptions & { fake?: K8sFake } = {}): Promise<TestDrover> {
  const fake = options.fake ?? (await startK8sFake());
  const built = await buildDroverOn({ server: fake.url, kubeConfig: fake.kubeConfig() }, options);
  return {
    ...built,
    fake,
    async close() {
      await built.close();
      if (!options.fake) await fake.stop();
    },
  };
}
