/**
 * Kubeconfigs pointing at the fake: a KubeConfig object for in-process use
 * and the YAML form for a file (plain http, so TLS verification is skipped).
 */
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { FakeKubeConfigOptions } from './types.js';

interface Resolved {
  context: string;
  cluster: string;
  user: string;
  token: string | undefined;
  namespace: string | undefined;
}

function resolve(defaultToken: string | undefined, options: FakeKubeConfigOptions): Resolved {
  return {
    context: options.contextName ?? 'k8s-fake',
    cluster: options.clusterName ?? 'k8s-fake',
    user: options.userName ?? 'k8s-fake-user',
    token: options.token ?? defaultToken,
    namespace: options.namespace,
  };
}

export function fakeKubeConfigYaml(server: string, defaultToken: string | undefined, options: FakeKubeConfigOptions = {}): string {
  const r = resolve(defaultToken, options);
  const context: Record<string, string> = { cluster: r.cluster, user: r.user };
  if (r.namespace) context.namespace = r.namespace;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: r.cluster, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: r.user, user: r.token ? { token: r.token } : {} }],
    contexts: [{ name: r.context, context }],
    'current-context': r.context,
  });
}

export function fakeKubeConfig(server: string, defaultToken: string | undefined, options: FakeKubeConfigOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(fakeKubeConfigYaml(server, defaultToken, options));
  return kc;
}
