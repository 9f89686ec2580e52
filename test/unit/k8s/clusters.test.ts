import { KubeConfig } from '@kubernetes/client-node';
import { ClusterRegistry } from '../../../src/k8s/clusters.js';

function kubeConfig(current = 'staging'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      { name: 'c-prod', server: 'https://prod.example:6443', skipTLSVerify: false },
      { name: 'c-staging', server: 'https://staging.example:6443', skipTLSVerify: false },
    ],
    users: [{ name: 'u', token: 't' }],
    contexts: [
      { name: 'prod', cluster: 'c-prod', user: 'u' },
      { name: 'staging', cluster: 'c-staging', user: 'u' },
    ],
    currentContext: current,
  });
  return kc;
}

describe('ClusterRegistry', () => {
  it('makes every kubeconfig context a cluster, defaulting to the current context', () => {
    const registry = new ClusterRegistry({ kubeConfig: kubeConfig() });
    expect(registry.names()).toEqual(['prod', 'staging']);
    expect(registry.defaultName).toBe('staging');
    expect(registry.get().name).toBe('staging');
    const prod = registry.get('prod');
    expect(prod.server).toBe('https://prod.example:6443');
    expect(prod.kubeConfig.getCurrentContext()).toBe('prod');
    expect(prod.kubeConfig.getCurrentCluster()?.server).toBe('https://prod.example:6443');
  });

  it('keeps only allowed contexts', () => {
    const registry = new ClusterRegistry({ kubeConfig: kubeConfig('prod'), allow: ['staging'] });
    expect(registry.names()).toEqual(['staging']);
    expect(registry.defaultName).toBe('staging');
  });

  it('rejects an unknown cluster, listing the known ones', () => {
    const registry = new ClusterRegistry({ kubeConfig: kubeConfig() });
    expect(() => registry.get('qa')).toThrow('Unknown cluster "qa". Known clusters: prod, staging (default: staging).');
  });

  it('adds the in-cluster service account cluster beside kubeconfig contexts', () => {
    const inCluster = new KubeConfig();
    inCluster.loadFromOptions({
      clusters: [{ name: 'ic', server: 'https://10.0.0.1:443', skipTLSVerify: false }],
      users: [{ name: 'sa', token: 'x' }],
      contexts: [{ name: 'ic', cluster: 'ic', user: 'sa' }],
      currentContext: 'ic',
    });
    const registry = new ClusterRegistry({ kubeConfig: kubeConfig(), inCluster: { name: 'in-cluster', kubeConfig: inCluster } });
    expect(registry.names()).toEqual(['in-cluster', 'prod', 'staging']);
    expect(registry.get('in-cluster').source).toBe('in-cluster');
  });

  it('reports an allow-list entry or default that is not a context', () => {
    expect(() => new ClusterRegistry({ kubeConfig: kubeConfig(), allow: ['prod', 'qa'] })).toThrow(/allowed cluster "qa" is not a context/);
    expect(() => new ClusterRegistry({ kubeConfig: kubeConfig(), defaultCluster: 'qa' })).toThrow(/default cluster "qa" is not among the clusters \(prod, staging\)/);
  });

  it('with no cluster at all, says so', () => {
    expect(() => new ClusterRegistry({}).get()).toThrow('No cluster given and there is no default. No cluster is configured.');
  });
});
