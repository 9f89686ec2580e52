import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config/schema.js';
import { asDroverError, DroverError } from '../errors.js';
import type { FleetRouting } from '../jobs/run-queue.js';
import type { ClusterResolver } from '../k8s/clusters.js';
import type { Metrics } from '../metrics/metrics.js';
import { checkAgentPresent } from './agent-absent.js';
import { FleetPresence } from './agent-presence.js';
import { FleetRegistry } from './registry.js';
import { FleetRelay } from './relay.js';

export interface CentralFleetDeps {
  redis: Redis;
  prefix: string;
  config: Config;
  audit: AuditLog;
  logger: Logger;
  metrics?: Metrics;
  now?: () => Date;
}

/**
 * What the central Drover knows of agent clusters: the registry, their agents'
 * presence, where their runs go, and the relay of their audit events.
 */
export function createCentralFleet(deps: CentralFleetDeps) {
  const { redis, prefix, config } = deps;
  const registry = new FleetRegistry(redis, prefix);
  const presence = new FleetPresence(redis, prefix, registry, config.fleet.agentStale);
  const routing: FleetRouting = {
    isAgentCluster: (name) => registry.has(name),
    checkAgent: (cluster) => checkAgentPresent(presence, cluster, config.fleet.agentAbsent, config.fleet.agentWait),
  };
  const relay = new FleetRelay({
    redis,
    prefix,
    audit: deps.audit,
    registry,
    // As an agent's own drain waits: a Kubernetes request held in its outbox may still be waiting for its answer.
    settleMs: Math.max(120_000, 2 * config.clusters.requestTimeout),
    logger: deps.logger,
    ...(deps.now ? { now: deps.now } : {}),
  });

  /** A cluster name is an agent cluster's, or else whatever `inner` (kubeconfig, workers' announcements) says. */
  function resolver(inner: ClusterResolver): ClusterResolver {
    return async (name) => {
      if (name && (await registry.has(name))) return name;
      try {
        return await inner(name);
      } catch (err) {
        const e = asDroverError(err);
        const agents = (await registry.all()).size;
        if (e.code !== 'cluster_unknown' || !agents) throw err;
        throw new DroverError('cluster_unknown', `${e.message} There are also ${agents} agent cluster(s): \`drover clusters\` lists them.`, { details: e.details ?? {} });
      }
    };
  }

  return { registry, presence, routing, relay, resolver };
}

export type CentralFleet = ReturnType<typeof createCentralFleet>;
