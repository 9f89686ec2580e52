import type { KubeConfig } from '@kubernetes/client-node';
import { DroverError } from '../errors.js';
import { poolConnections } from './pooled-agents.js';

export interface Cluster {
  /** The name runs use: the kubeconfig context, `in-cluster`, or `sandbox`. */
  name: string;
  source: 'kubeconfig' | 'in-cluster' | 'sandbox';
  /** API server URL, for display. */
  server: string;
  /** A KubeConfig whose current context is this cluster. */
  kubeConfig: KubeConfig;
}

export interface ClusterSources {
  /** A loaded kubeconfig (all files merged), if any. */
  kubeConfig?: KubeConfig;
  /** Only these contexts; empty or absent means all. */
  allow?: string[];
  /** A KubeConfig from the pod's service account, when running in a cluster. */
  inCluster?: { name: string; kubeConfig: KubeConfig };
  /** Extra clusters (the sandbox). */
  extra?: Cluster[];
  /** Overrides the default (else the kubeconfig's current context, else the only cluster). */
  defaultCluster?: string;
}

/** The clusters one Drover serves. */
export class ClusterRegistry {
  private readonly clusters = new Map<string, Cluster>();
  readonly defaultName: string | undefined;

  constructor(sources: ClusterSources) {
    const problems: string[] = [];
    const kc = sources.kubeConfig;
    const allow = sources.allow?.length ? new Set(sources.allow) : undefined;
    if (kc) {
      // The given config's own class: this module (cluster names, presence, the CLI) loads without the Kubernetes client.
      const KubeConfigClass = kc.constructor as new () => KubeConfig;
      for (const context of kc.getContexts()) {
        if (allow && !allow.has(context.name)) continue;
        const single = new KubeConfigClass();
        single.loadFromOptions({
          clusters: kc.getClusters(),
          users: kc.getUsers(),
          contexts: kc.getContexts(),
          currentContext: context.name,
        });
        const server = kc.getCluster(context.cluster)?.server ?? '';
        this.clusters.set(context.name, { name: context.name, source: 'kubeconfig', server, kubeConfig: poolConnections(single) });
      }
    }
    if (sources.inCluster) {
      const { name, kubeConfig } = sources.inCluster;
      this.clusters.set(name, { name, source: 'in-cluster', server: kubeConfig.getCurrentCluster()?.server ?? '', kubeConfig: poolConnections(kubeConfig) });
    }
    for (const extra of sources.extra ?? []) this.clusters.set(extra.name, { ...extra, kubeConfig: poolConnections(extra.kubeConfig) });
    for (const name of allow ?? []) {
      if (!this.clusters.has(name)) problems.push(`allowed cluster "${name}" is not a context of the kubeconfig`);
    }

    const current = kc?.getCurrentContext();
    const preferred = sources.defaultCluster ?? (current && this.clusters.has(current) ? current : undefined);
    if (sources.defaultCluster && !this.clusters.has(sources.defaultCluster)) {
      problems.push(`default cluster "${sources.defaultCluster}" is not among the clusters (${this.names().join(', ') || 'none'})`);
    }
    this.defaultName = preferred ?? (this.clusters.size >= 1 ? this.names()[0] : undefined);
    if (problems.length) throw new DroverError('config_invalid', `Cluster configuration is invalid:\n  - ${problems.join('\n  - ')}`);
  }

  names(): string[] {
    return [...this.clusters.keys()].sort();
  }

  list(): Cluster[] {
    return this.names().map((n) => this.clusters.get(n) as Cluster);
  }

  /** The named cluster, or the default when no name is given; cluster_unknown lists the known ones. */
  get(name?: string): Cluster {
    const wanted = name ?? this.defaultName;
    const found = wanted === undefined ? undefined : this.clusters.get(wanted);
    if (found) return found;
    throw unknownCluster(name, this.names(), this.defaultName);
  }
}

export function unknownCluster(name: string | undefined, known: string[], defaultName?: string): DroverError {
  const list = known.length ? `Known clusters: ${known.join(', ')}${defaultName ? ` (default: ${defaultName})` : ''}.` : 'No cluster is configured.';
  return new DroverError('cluster_unknown', name ? `Unknown cluster "${name}". ${list}` : `No cluster given and there is no default. ${list}`, {
    details: { known },
  });
}

/** Resolves a cluster name (or the default) to a known cluster's name. */
export type ClusterResolver = (name: string | undefined) => Promise<string>;

export function resolverFor(registry: ClusterRegistry): ClusterResolver {
  return (name) => Promise.resolve(registry.get(name).name);
}
