import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { DroverError, errorMessage } from '../errors.js';
import { ClusterRegistry, type ClusterSources } from '../k8s/clusters.js';
import { checkImpersonatedClusters } from '../k8s/impersonation-settings.js';
import { startK8sFake, seedSandbox, type K8sFake } from '../testing/index.js';

const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface ClusterEnv {
  home?: string;
  /** KUBERNETES_SERVICE_HOST: set inside a pod. */
  serviceHost?: string;
}

/**
 * The clusters this process serves: every kubeconfig context (or the allowed
 * ones), the cluster it runs in, and a sandbox (a built-in fake API server with
 * demo objects) when nothing real is configured.
 */
export async function clustersFromConfig(config: Config, env: ClusterEnv, logger: Logger): Promise<{ clusters: ClusterRegistry; sandbox?: K8sFake }> {
  const sources: ClusterSources = { allow: config.clusters.allow };
  if (config.clusters.default) sources.defaultCluster = config.clusters.default;
  const files = config.clusters.kubeconfig.length
    ? config.clusters.kubeconfig
    : env.home && existsSync(join(env.home, '.kube', 'config'))
      ? [join(env.home, '.kube', 'config')]
      : [];
  if (files.length) {
    const merged = new KubeConfig();
    const contexts = [], clusters = [], users = [];
    let current: string | undefined;
    for (const file of files) {
      if (!existsSync(file)) throw new DroverError('config_invalid', `KUBECONFIG names ${file}, which does not exist.`);
      const kc = new KubeConfig();
      try {
        kc.loadFromFile(file);
      } catch (err) {
        throw new DroverError('config_invalid', `Cannot read kubeconfig ${file}: ${errorMessage(err)}`, { cause: err });
      }
      contexts.push(...kc.getContexts());
      clusters.push(...kc.getClusters());
      users.push(...kc.getUsers());
      current ??= kc.getCurrentContext() || undefined;
    }
    merged.loadFromOptions({ contexts, clusters, users, currentContext: current ?? contexts[0]?.name ?? '' });
    sources.kubeConfig = merged;
  }
  if (env.serviceHost && existsSync(SA_TOKEN)) {
    const kc = new KubeConfig();
    kc.loadFromCluster();
    sources.inCluster = { name: config.clusters.inClusterName, kubeConfig: kc };
  }
  const real = (sources.kubeConfig?.getContexts().length ?? 0) + (sources.inCluster ? 1 : 0);
  let sandbox: K8sFake | undefined;
  if (config.clusters.sandbox === 'on' || (config.clusters.sandbox === 'auto' && real === 0)) {
    sandbox = await startK8sFake();
    seedSandbox(sandbox);
    sources.extra = [{ name: 'sandbox', source: 'sandbox', server: sandbox.url, kubeConfig: sandbox.kubeConfig() }];
    logger.warn({ server: sandbox.url }, 'no Kubernetes cluster configured: using the built-in sandbox cluster "sandbox" (a fake API server with demo objects in namespace "demo")');
  }
  const clusters = new ClusterRegistry(sources);
  checkImpersonatedClusters(config.clusters.impersonation, clusters.names());
  return { clusters, ...(sandbox ? { sandbox } : {}) };
}
