/**
 * An agent cluster for tests: registered on a test Drover, with its own Redis
 * ACL user (on the test's own redis-server), and an agent connected as that
 * user acting on a fake API server, as `drover agent` would.
 */
import { Redis } from 'ioredis';
import pino from 'pino';
import { createAgent, type Agent } from '../../src/fleet/agent.js';
import { createAgentUser } from '../../src/fleet/acl.js';
import { createK8sOps } from '../../src/k8s/ops.js';
import type { K8sOpsFactory } from '../../src/jobs/run-worker.js';
import type { PolicySource } from '../../src/policy/index.js';
import type { K8sFake } from '../../src/testing/index.js';
import { allowAll, type ClusterDrover } from './test-drover.js';

/** ctx.k8s on a fake API server, under the agent cluster's name. */
export function k8sOnFake(cluster: string, fake: K8sFake): K8sOpsFactory {
  return ({ dryRun, hooks }) => createK8sOps({ cluster, kubeConfig: fake.kubeConfig(), dryRun, hooks, requestTimeoutMs: 5000 });
}

export interface AclAgent {
  agent: Agent;
  /** The agent's connection, as its ACL user. */
  redis: Redis;
  user: string;
  password: string;
  close(): Promise<void>;
}

/** Registers `cluster`, makes its ACL user on `redisUrl` (the Drover's own Redis), and starts its agent as that user. */
export async function startAclAgent(
  t: ClusterDrover,
  redisUrl: string,
  options: { cluster: string; fake: K8sFake; labels?: Record<string, string>; policy?: PolicySource; heartbeatMs?: number },
): Promise<AclAgent> {
  const { cluster } = options;
  const made = await createAgentUser(t.redis, { prefix: t.prefix, cluster });
  await t.drover.fleet.registry.register({ name: cluster, labels: options.labels ?? {}, createdAt: new Date().toISOString(), user: made.user });
  const redis = new Redis(redisUrl, { username: made.user, password: made.password, maxRetriesPerRequest: null });
  const agent = createAgent({
    config: t.config,
    redis,
    cluster,
    runbooks: t.drover.runbooks,
    k8s: k8sOnFake(cluster, options.fake),
    logger: pino({ level: 'silent' }),
    policy: options.policy ?? allowAll(),
    heartbeatMs: options.heartbeatMs ?? 500,
  });
  await agent.start();
  return {
    agent,
    redis,
    user: made.user,
    password: made.password,
    async close() {
      await agent.close(true).catch(() => undefined);
      await redis.quit().catch(() => undefined);
    },
  };
}

/** Denials Redis logged (ACL LOG) for these users, as `user context object` lines. */
export async function aclDenials(admin: Redis, users: readonly string[]): Promise<string[]> {
  const log = (await admin.call('ACL', 'LOG', '128')) as unknown[][];
  return log
    .map((entry) => Object.fromEntries(Array.from({ length: entry.length / 2 }, (_, i) => [String(entry[2 * i]), entry[2 * i + 1]])) as Record<string, unknown>)
    .filter((e) => users.includes(String(e.username)))
    .map((e) => `${String(e.username)} ${String(e.context)} ${String(e.object)}`);
}
