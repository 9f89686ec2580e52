import { readFileSync } from 'node:fs';
import { policySourceFrom } from './policy-from-config.js';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import { createDrover, type Drover } from '../app.js';
import type { Config } from '../config/schema.js';
import { DroverError } from '../errors.js';
import { Redactor } from '../redact/redactor.js';
import { redactingLogger } from '../redact/redacting-logger.js';
import { auditKeyFrom } from '../audit/audit-key.js';
import { fileSink } from '../audit/file-sink.js';
import type { AuditSink } from '../audit/sink.js';
import { streamSink } from '../audit/stream-sink.js';
import { loadRunbooks, type RunbookRegistry } from '../runbook/registry.js';
import type { K8sFake } from '../testing/index.js';
import { configFrom, type RuntimeEnv } from './config-from.js';
import { connectRedis } from './redis-connect.js';
import { runbookImporter } from './runbook-importer.js';
import { tracingFrom } from './tracing-from-env.js';
import type { Tracing } from '../tracing/tracing.js';

export { configFrom, type RuntimeEnv };

export function loggerFor(config: Config, destination?: NodeJS.WritableStream, level?: string, mixin?: () => Record<string, string>): Logger {
  // Secrets never reach the logs: fields and messages go through the same redaction as chat and the audit log.
  // With tracing on, a line logged inside a span carries its trace_id and span_id.
  return redactingLogger(new Redactor(config.redaction.patterns), { level: level ?? config.log.level, base: { app: 'drover' }, ...(mixin ? { mixin } : {}) }, destination);
}

/** Loads the runbooks; a broken runbook stops start-up with every problem listed. */
export async function runbooksFrom(config: Config, cwd: string, logger?: Logger): Promise<RunbookRegistry> {
  const dir = resolve(cwd, config.runbooks.dir);
  const { registry, problems } = await loadRunbooks(dir, runbookImporter(config, cwd, (message) => logger?.warn(message)), cwd);
  if (problems.length) {
    throw new DroverError('runbook_invalid', `Some runbooks are invalid:\n  - ${problems.join('\n  - ')}`, { details: { problems } });
  }
  return registry;
}

export interface Runtime {
  config: Config;
  logger: Logger;
  redis: Redis;
  drover: Drover;
  /** Off unless the OTEL_* variables turn it on; `drover run` makes its span with it. */
  tracing: Tracing;
  sandbox?: K8sFake;
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
  const runbooks = await runbooksFrom(config, rt.cwd, logger);
  const redis = options.redis ?? (await connectRedis(config.redis.url));
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
