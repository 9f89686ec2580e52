import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { DroverError, errorMessage } from '../errors.js';
import { listen } from '../http/listen.js';
import { createAgent, type Agent } from '../fleet/agent.js';
import { agentClusterFrom, type AgentCluster } from '../fleet/agent-cluster.js';
import { checkFleetClusterName } from '../fleet/names.js';
import type { CommandDeps } from './deps.js';
import type { AgentOptions } from './agent-options.js';
import { configFrom, loggerFor, runbooksFrom } from './runtime.js';
import { connectRedis } from './redis-connect.js';
import { policySourceFrom } from './policy-from-config.js';

/** Says what a refused Redis command means for an agent: its ACL user is not this cluster's. */
function explain(err: unknown, cluster: string): never {
  const message = errorMessage(err);
  if (/NOPERM|WRONGPASS|NOAUTH/i.test(message)) {
    throw new DroverError(
      'config_invalid',
      `Redis refused the agent for cluster ${cluster} (${message}). Its REDIS_URL must carry the user and password \`drover agent token create ${cluster}\` printed for this cluster; a revoked or rotated token no longer works.`,
      { cause: err },
    );
  }
  throw err;
}

/** `drover agent`: runs until the process is asked to stop, then lets runs in progress finish. */
export async function serveAgent(deps: CommandDeps, options: AgentOptions): Promise<void> {
  const cluster = checkFleetClusterName(options.cluster ?? deps.env.DROVER_CLUSTER ?? '');
  const config = configFrom(deps);
  const logger = loggerFor(config, deps.logDestination).child({ agent: cluster });
  const { registry: runbooks } = await runbooksFrom(config, deps, logger);
  const policy = policySourceFrom(
    config,
    { ...(deps.env.HOME ? { home: deps.env.HOME } : {}), ...(deps.env.KUBERNETES_SERVICE_HOST ? { serviceHost: deps.env.KUBERNETES_SERVICE_HOST } : {}) },
    (path) => readFileSync(path, 'utf8'),
  );
  let target: AgentCluster | undefined;
  let agent: Agent | undefined;
  let server: Server | undefined;
  const redis = await connectRedis(config.redis.url, 3000, config.redis.caFile);
  try {
    target = await agentClusterFrom(
      config,
      { ...(deps.env.HOME ? { home: deps.env.HOME } : {}), ...(deps.env.KUBERNETES_SERVICE_HOST ? { serviceHost: deps.env.KUBERNETES_SERVICE_HOST } : {}) },
      cluster,
      logger,
      options.context,
    );
    agent = createAgent({ config, redis, cluster, runbooks, k8s: target.k8s, logger, policy, kubernetesVersion: target.kubernetesVersion, processMetrics: true });
    server = createServer(agent.router.listener);
    const port = await listen(server, config.http.port, config.http.host).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new DroverError('config_invalid', `Port ${config.http.port} is already in use; set PORT to another port.`, { cause: err });
      throw err;
    });
    await agent.start().catch((err: unknown) => explain(err, cluster));
    logger.info({ cluster, acting_on: target.source, server: target.server, port }, 'agent running: taking this cluster\'s runs');
    const signal = await deps.stopSignal;
    logger.info({ signal }, 'stopping: finishing runs in progress');
  } finally {
    if (server) await new Promise((r) => server?.close(r));
    await agent?.close();
    await target?.sandbox?.stop();
    await redis.quit().catch(() => redis.disconnect());
  }
}
