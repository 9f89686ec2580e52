import type { Redis } from 'ioredis';
import type { AuditLog } from '../../audit/audit-log.js';
import { bindingKeyIn } from '../../approvals/binding-key.js';
import type { RunGate } from '../../approvals/run-gate.js';
import type { Config } from '../../config/schema.js';
import type { RunQueue } from '../../jobs/run-queue.js';
import type { RunStore } from '../../jobs/run-store.js';
import { sameListedUser } from '../../k8s/impersonation.js';
import type { Policy } from '../../policy/index.js';
import type { RunbookRegistry } from '../../runbook/registry.js';
import type { FleetPresence } from '../agent-presence.js';
import type { FleetRegistry } from '../registry.js';
import { RolloutStore } from './rollout-store.js';
import { Rollouts } from './rollouts.js';

/** What rollouts need of a built Drover (createDrover's result has all of it). */
export interface RolloutHost {
  config: Config;
  queue: RunQueue;
  gate: RunGate;
  store: RunStore;
  policy: Policy;
  runbooks: RunbookRegistry;
  audit: AuditLog;
  fleet: { registry: FleetRegistry; presence?: FleetPresence };
}

/** Rollouts on a Drover's parts, with the installation's binding key and retention. */
export function createRollouts(drover: RolloutHost, redis: Redis, now?: () => Date): Rollouts {
  const { config } = drover;
  const prefix = config.redis.prefix;
  return new Rollouts({
    redis,
    store: new RolloutStore(redis, prefix),
    runs: drover.store,
    queue: drover.queue,
    gate: drover.gate,
    policy: drover.policy,
    runbooks: drover.runbooks,
    registry: drover.fleet.registry,
    audit: drover.audit,
    bindingKey: bindingKeyIn(redis, prefix),
    retentionMs: config.jobs.retention,
    // One person under two names (a Slack id and cli:<user> mapped to one Kubernetes user) never approves their own rollout.
    samePerson: (a, b) => sameListedUser(config.clusters.impersonation, a, b),
    // A run under way on a cluster whose agent is gone would hold its batch for ever.
    ...(drover.fleet.presence ? { presence: drover.fleet.presence, agentWaitMs: config.fleet.agentWait } : {}),
    ...(now ? { now } : {}),
  });
}
