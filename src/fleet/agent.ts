import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Tracer } from '@opentelemetry/api';
import { AuditLog } from '../audit/audit-log.js';
import type { AuditEvent } from '../audit/events.js';
import type { Config } from '../config/schema.js';
import { addHealthRoutes } from '../http/health-routes.js';
import { Router } from '../http/router.js';
import { RunStore } from '../jobs/run-store.js';
import { RunWorker, type K8sOpsFactory } from '../jobs/run-worker.js';
import { TargetLocks } from '../jobs/target-lock.js';
import { runWakeKey } from '../jobs/run-wake.js';
import { gitopsFromConfig } from '../gitops/gitops-from-config.js';
import { workerSuspensionSweeper } from '../gitops/suspension-sweeper.js';
import { ctxServicesFrom, type CtxServicesFactory } from '../jobs/ctx-services.js';
import { ProposalStore } from '../approvals/proposal-store.js';
import { bindingKeyIn } from '../approvals/binding-key.js';
import { sameListedUser } from '../k8s/impersonation.js';
import { createMetrics } from '../metrics/metrics.js';
import { droverVersion } from '../metrics/version.js';
import { within } from '../metrics/bounded.js';
import { policyFrom, type PolicySource } from '../policy/index.js';
import { Redactor } from '../redact/redactor.js';
import type { RunbookRegistry } from '../runbook/registry.js';
import { AgentHeartbeat } from './agent-presence.js';
import { checkFleetClusterName, fleetCancelChannel, fleetNotifyChannel, fleetQueueName, roomPrefix } from './names.js';

export interface AgentDeps {
  config: Config;
  /** Authenticated as the cluster's agent ACL user: it reaches this cluster's keys only. */
  redis: Redis;
  /** BullMQ's connection; by default a duplicate of `redis` without auto-pipelining. */
  queueConnection?: Redis;
  cluster: string;
  runbooks: RunbookRegistry;
  /** Builds ctx.k8s on this cluster (the pod's service account in production). */
  k8s: K8sOpsFactory;
  logger: Logger;
  /** The agent's own policy, checked again before every plan and attempt (defence in depth: the central one decided first). */
  policy?: PolicySource;
  services?: CtxServicesFactory;
  version?: string;
  /** The Kubernetes version the agent sees, for its heartbeat. */
  kubernetesVersion?: () => Promise<string | undefined>;
  concurrency?: number;
  heartbeatMs?: number;
  processMetrics?: boolean;
  tracer?: Tracer;
  id?: string;
  now?: () => Date;
}

/**
 * A Drover agent: a worker that lives in one cluster and takes that cluster's
 * runs only, from its own queue, over an outbound Redis connection. It keeps
 * the runs' records where the central Drover reads them (its ACL user may
 * touch `run:<cluster>.*` only) and writes its audit events to its cluster's
 * own stream, from which the central relay moves them into the one chain.
 * Opens no port: the entry point listens on `router.listener`.
 */
export function createAgent(deps: AgentDeps) {
  const { config, redis, logger } = deps;
  const cluster = checkFleetClusterName(deps.cluster);
  const prefix = config.redis.prefix;
  const room = roomPrefix(prefix, cluster);
  const now = deps.now ?? (() => new Date());
  const redactor = new Redactor(config.redaction.patterns);
  const ownQueueConnection = deps.queueConnection ? undefined : redis.duplicate({ enableAutoPipelining: false });
  const queueConnection = deps.queueConnection ?? ownQueueConnection ?? redis;
  const id = deps.id ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const startedAt = now().toISOString();

  // The relay wakes when told; published at most once per tick however many events were appended.
  let notifyQueued = false;
  const notify = () => {
    if (notifyQueued) return;
    notifyQueued = true;
    setImmediate(() => {
      notifyQueued = false;
      void redis.publish(fleetNotifyChannel(prefix), cluster).catch(() => undefined);
    });
  };
  // The cluster's own chain: a transport the central relay empties into the installation's chain.
  const audit = new AuditLog({ redis, prefix: room, maxLength: config.audit.maxLength, now, redactor, mirror: (_event: AuditEvent) => notify() });
  const store = new RunStore({
    redis,
    prefix,
    now,
    redactor,
    room: { outboxKey: audit.outbox.key, wakeKey: runWakeKey(room), cancelChannel: fleetCancelChannel(prefix, cluster) },
  });
  const proposals = new ProposalStore(redis, prefix, store, audit, `${room}:approvals:expiry`);
  const policy = policyFrom(deps.policy, { defaultTimeoutMs: config.approvals.timeout });
  const queueName = fleetQueueName(cluster);

  const metrics = createMetrics({
    processMetrics: deps.processMetrics ?? false,
    version: deps.version ?? droverVersion(),
    knownRunbook: (runbook) => deps.runbooks.has(runbook),
    knownCluster: (name) => name === cluster,
    redisUp: async () => redis.status === 'ready' && (await redis.ping()) === 'PONG',
  });

  const worker = new RunWorker({
    connection: queueConnection,
    redis,
    prefix,
    queueName,
    runbooks: deps.runbooks,
    store,
    audit,
    locks: new TargetLocks(redis, prefix),
    k8s: deps.k8s,
    logger: logger.child({ cluster }),
    metrics,
    concurrency: deps.concurrency ?? config.worker.concurrency,
    lockDurationMs: config.worker.lockDuration,
    // Thousands of idle agents on one Redis: each empty-queue poll is a command (a new job still wakes it at once).
    drainDelaySeconds: 25,
    backoffMs: config.jobs.backoff,
    maxBackoffMs: config.jobs.maxBackoff,
    retentionMs: config.jobs.retention,
    proposals,
    bindingKey: bindingKeyIn(redis, prefix, { readOnly: true }),
    check: { policy, samePerson: (a, b) => sameListedUser(config.clusters.impersonation, a, b) },
    services: deps.services ?? ctxServicesFrom(config),
    ...(deps.tracer ? { tracer: deps.tracer } : {}),
    // The agent's cluster is where Argo CD or Flux run: its own GitOps settings and repositories.
    gitops: gitopsFromConfig(config.gitops, policy, now),
    now,
  });

  let kubernetesVersion: string | undefined;
  const heartbeat = new AgentHeartbeat(
    redis,
    prefix,
    cluster,
    () => ({
      id,
      cluster,
      version: deps.version ?? droverVersion(),
      host: hostname(),
      pid: process.pid,
      capacity: deps.concurrency ?? config.worker.concurrency,
      inFlight: worker.runsInProgress,
      ...(kubernetesVersion ? { kubernetesVersion } : {}),
      runbooks: deps.runbooks.size,
      startedAt,
    }),
    deps.heartbeatMs ?? config.fleet.heartbeat,
    (err) => logger.warn({ err: err.message }, 'heartbeat failed; the next beat tries again'),
  );

  const router = new Router((err, req) => logger.error({ err, url: req.url }, 'request failed'));
  let started = false;
  addHealthRoutes(router, {
    metrics: { contentType: metrics.registry.contentType, text: async () => redactor.text(await metrics.registry.metrics()) },
    readiness: [
      { name: 'redis', check: async () => redis.status === 'ready' && (await redis.ping()) === 'PONG' },
      {
        name: 'agent',
        check: () => {
          if (!started) throw new Error('the agent is starting');
          return Promise.resolve(true);
        },
      },
    ],
  });

  // Reconcilers a `suspend` run on this cluster left suspended (its run cancelled or lost) are resumed once overdue.
  const suspensions = workerSuspensionSweeper({ clusters: () => [cluster], k8s: deps.k8s, runs: store, audit, logger, pollIntervalMs: config.gitops.pollInterval, now });
  let drainTimer: NodeJS.Timeout | undefined;
  return {
    id,
    cluster,
    router,
    worker,
    store,
    audit,
    metrics,
    /** Takes this cluster's runs and announces itself. */
    async start(): Promise<void> {
      kubernetesVersion = await within(async () => deps.kubernetesVersion?.(), 5000).catch(() => undefined);
      await worker.start();
      await heartbeat.start();
      suspensions.start();
      // Audit events whose writer died before appending them (as the central drain does, on this cluster's outbox).
      const settleMs = Math.max(120_000, 2 * config.clusters.requestTimeout);
      // Only entries older than settleMs are taken: once a minute, and only when the outbox holds any (one HLEN).
      drainTimer = setInterval(() => {
        void redis
          .hlen(audit.outbox.key)
          .then((held) => (held ? audit.outbox.drain(new Date(now().getTime() - settleMs)) : 0))
          .then((n) => {
            if (n) notify();
          })
          .catch((err: unknown) => logger.warn({ err }, 'agent audit outbox drain failed'));
      }, 60_000);
      drainTimer.unref();
      // What an agent that died left in its stream reaches the chain now.
      notify();
      started = true;
      logger.info({ cluster, queue: queueName, id, runbooks: deps.runbooks.size, kubernetesVersion }, 'agent started');
    },
    /** Stops taking runs, lets the ones in progress finish, withdraws. */
    async close(force = false): Promise<void> {
      started = false;
      if (drainTimer) clearInterval(drainTimer);
      await suspensions.stop();
      await worker.close(force);
      await heartbeat.stop().catch(() => undefined);
      notify();
      await new Promise((r) => setImmediate(r));
      if (ownQueueConnection) await ownQueueConnection.quit().catch(() => ownQueueConnection.disconnect());
    },
  };
}

export type Agent = ReturnType<typeof createAgent>;
