import { VersionApi, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { clustersFromConfig, type ClusterEnv } from '../cli/clusters-from-config.js';
import { DroverError } from '../errors.js';
import { identityFor } from '../k8s/impersonation.js';
import type { K8sOpsFactory } from '../jobs/run-worker.js';
import type { K8sFake } from '../testing/index.js';

export interface AgentCluster {
  /** What the agent acts on: its pod's service account, a kubeconfig context, or the sandbox. */
  source: string;
  server: string;
  kubeConfig: KubeConfig;
  k8s: K8sOpsFactory;
  kubernetesVersion: () => Promise<string | undefined>;
  sandbox?: K8sFake;
}

/**
 * The one cluster an agent acts on, under its agent cluster name: the pod's
 * service account inside a cluster; outside one (development, tests), a
 * kubeconfig context (`context`, else the current one), or the sandbox.
 */
export async function agentClusterFrom(config: Config, env: ClusterEnv, name: string, logger: Logger, context?: string): Promise<AgentCluster> {
  const { clusters, sandbox } = await clustersFromConfig(config, env, logger);
  const inCluster = clusters.list().find((c) => c.source === 'in-cluster');
  const wanted = context ?? (inCluster ? inCluster.name : clusters.defaultName);
  if (!wanted) throw new DroverError('config_invalid', 'The agent has no cluster to act on: run it in a pod with a service account, or give a kubeconfig (KUBECONFIG, --context).');
  const chosen = clusters.get(wanted);
  const { createK8sOps } = await import('../k8s/ops.js');
  const k8s: K8sOpsFactory = ({ dryRun, hooks, requester }) =>
    createK8sOps({
      // Runs, the audit log and metrics name the agent cluster, whatever the kubeconfig calls it.
      cluster: name,
      kubeConfig: chosen.kubeConfig,
      dryRun,
      hooks,
      requestTimeoutMs: config.clusters.requestTimeout,
      impersonate: identityFor(config.clusters.impersonation, name, requester),
    });
  const kubernetesVersion = async () => (await chosen.kubeConfig.makeApiClient(VersionApi).getCode()).gitVersion;
  return { source: `${chosen.source} ${chosen.name}`, server: chosen.server, kubeConfig: chosen.kubeConfig, k8s, kubernetesVersion, ...(sandbox ? { sandbox } : {}) };
}
