import { readFileSync } from 'node:fs';
import { policySourceFrom } from './policy-from-config.js';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import { createDrover, type Drover } from '../app.js';
import type { Config } from '../config/schema.js';
import { Redactor } from '../redact/redactor.js';
import { redactingLogger } from '../redact/redacting-logger.js';
import { auditKeyFrom } from '../audit/audit-key.js';
import { fileSink } from '../audit/file-sink.js';
import type { AuditSink } from '../audit/sink.js';
import { streamSink } from '../audit/stream-sink.js';
import type { ModuleImporter, RunbookRegistry } from '../runbook/registry.js';
import type { ResolvedPack } from '../runbook/packs/resolve-pack.js';
import type { K8sFake } from '../testing/index.js';
import { configFrom, type RuntimeEnv } from './config-from.js';
import { connectRedis } from './redis-connect.js';
import { runbooksFromPacks } from './packs-from-config.js';
import { tracingFrom } from './tracing-from-env.js';
import type { Tracing } from '../tracing/tracing.js';

export { configFrom, type RuntimeEnv };

export function loggerFor(config: Config, destination?: NodeJS.WritableStream, level?: string, mixin?: () => Record<string, string>): Logger {
  // Secrets never reach the logs: fields and messages go through the same redaction as chat and the audit log.
  // With tracing on, a line logged inside a span carries its trace_id and span_id.
  return redactingLogger(new Redactor(config.redaction.patterns), { level: level ?? config.log.level, base: { app: 'drover' }, ...(mixin ? { mixin } : {}) }, destination);
}

/** The loaded runbooks and what loaded them (a watcher reloads with the same). */
export interface LoadedRunbooks {
  registry: RunbookRegistry;
  packs: ResolvedPack[];
  importer: ModuleImporter;
}

/**
 * Loads the runbooks of every pack. A broken runbook, a clash or a pack that
 * cannot be reached is logged as a warning, one line each, and the rest serve.
 */
export async function runbooksFrom(config: Config, rt: { env: RuntimeEnv['env']; cwd: string }, logger?: Logger): Promise<LoadedRunbooks> {
  const { registry, problems, packs, importer } = await runbooksFromPacks(config, rt, (message) => logger?.warn(message));
  for (const problem of problems) logger?.warn({ problem }, `runbook not loaded: ${problem}`);
  return { registry, packs, importer };
}

export interface Runtime {
  config: Config;
  logger: Logger;
  redis: Redis;
  drover: Drover;
  /** Off unless the OTEL_* variables turn it on; `drover run` makes its span with it. */
  tracing: Tracing;
  sandbox?: K8sFake;
  /** The packs the runbooks came from, and the importer that loaded them. */
  runbooks: LoadedRunbooks;
  close(): Promise<void>;
}

/**
 * Everything a command needs, built from the environment. `withClusters` loads
 * the kubeconfig (workers act on clusters; the CLI only enqueues).
 */
export async function openRuntime(
  rt: RuntimeEnv,
  options: { withClusters: boolean; logLevel?: string; redis?: Redis; handOverCounts?: boolean; inbound?: boolean; tracingShutdownMs?: number },
): Promise<Runtime> {
  const config = configFrom(rt);
  const { tracing, warnings } = await tracingFrom(rt, config, options.tracingShutdownMs !== undefined ? { shutdownTimeoutMs: options.tracingShutdownMs } : {});
  const logger = loggerFor(config, rt.logDestination, options.logLevel, tracing.logMixin);
  for (const warning of warnings) logger.warn(warning);
  // Before anything connects: a broken policy file stops start-up.
  const policy = policySourceFrom(
    config,
    { ...(rt.env.HOME ? { home: rt.env.HOME } : {}), ...(rt.env.KUBERNETES_SERVICE_HOST ? { serviceHost: rt.env.KUBERNETES_SERVICE_HOST } : {}) },
    (path) => readFileSync(path, 'utf8'),
  );
  const loadedRunbooks = await runbooksFrom(config, rt, logger);
  const runbooks = loadedRunbooks.registry;
  const redis = options.redis ?? (await connectRedis(config.redis.url, undefined, config.redis.caFile));
  let sandbox: K8sFake | undefined;
  try {
    let clusters;
    if (options.withClusters) {
      const env = rt.env;
      // Only a worker loads the Kubernetes client.
      const { clustersFromConfig } = await import('./clusters-from-config.js');
      const loaded = await clustersFromConfig(
        config,
        { ...(env.HOME ? { home: env.HOME } : {}), ...(env.KUBERNETES_SERVICE_HOST ? { serviceHost: env.KUBERNETES_SERVICE_HOST } : {}) },
        logger,
      );
      clusters = loaded.clusters;
      sandbox = loaded.sandbox;
    }
    const auditKey = auditKeyFrom(config.audit, (path) => readFileSync(path, 'utf8'));
    // Filled by whichever serving process holds the lock, so events from every process (the CLI's too) reach them.
    const auditSinks: AuditSink[] = [
      ...(config.audit.file ? [fileSink(config.audit.file)] : []),
      ...(config.audit.stdout ? [streamSink(process.stdout, redis, `${config.redis.prefix}:audit:ship:stdout`)] : []),
    ];
    const drover = createDrover({
      config,
      redis,
      logger,
      runbooks,
      ...(clusters ? { clusters } : {}),
      // Whatever Prometheus scrapes (serve, worker), with or without clusters.
      processMetrics: !options.handOverCounts,
      ...(options.handOverCounts ? { handOverCounts: true } : {}),
      policy,
      ...(auditKey ? { auditKey } : {}),
      auditSinks,
      ...(tracing.tracer ? { tracer: tracing.tracer } : {}),
      ...(options.inbound === false ? { inbound: false } : {}),
    });
    return {
      config,
      logger,
      redis,
      drover,
      tracing,
      ...(sandbox ? { sandbox } : {}),
      runbooks: loadedRunbooks,
      async close() {
        await drover.close();
        // Bounded: the spans of the last runs are sent, unless the collector is away.
        await tracing.shutdown();
        await sandbox?.stop();
        if (!options.redis) await redis.quit().catch(() => undefined);
      },
    };
  } catch (err) {
    await sandbox?.stop();
    await tracing.shutdown();
    if (!options.redis) redis.disconnect();
    throw err;
  }
}

/**
 * How long a short-lived command's exit may wait for its spans to be sent: a
 * collector that does not answer would otherwise add the serving processes'
 * 5 s to every command (a few spans, on loopback or a nearby collector, go in
 * far less).
 */
export const CLI_TRACING_SHUTDOWN_MS = 1000;

/** For commands that only read or enqueue (no clusters, warnings only): opens a runtime, runs `fn`, closes it. */
export async function withClient<T>(rt: RuntimeEnv, fn: (runtime: Runtime) => Promise<T>): Promise<T> {
  // Not scraped: its counts go to a serving process.
  const runtime = await openRuntime(rt, { withClusters: false, logLevel: 'warn', handOverCounts: true, tracingShutdownMs: CLI_TRACING_SHUTDOWN_MS });
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}
