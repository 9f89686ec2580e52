/**
 * Independent reads of the real cluster (an admin client, not Drover's code):
 * every object a K8sOps call could touch, by kind/namespace/name →
 * resourceVersion, to prove a dry run changed nothing.
 */
import { KubernetesObjectApi, type KubeConfig } from '@kubernetes/client-node';

const NAMESPACED: Array<[string, string]> = [
  ['apps/v1', 'Deployment'],
  ['apps/v1', 'ReplicaSet'],
  ['v1', 'Pod'],
  ['v1', 'PersistentVolumeClaim'],
  ['v1', 'ConfigMap'],
  ['batch/v1', 'Job'],
  ['autoscaling/v2beta2', 'HorizontalPodAutoscaler'],
];
const CLUSTER: Array<[string, string]> = [
  ['v1', 'Node'],
  ['v1', 'PersistentVolume'],
  ['storage.k8s.io/v1', 'StorageClass'],
];

export type Snapshot = Map<string, string>;

export async function snapshot(kubeConfig: KubeConfig, namespace: string): Promise<Snapshot> {
  const client = KubernetesObjectApi.makeApiClient(kubeConfig);
  const out: Snapshot = new Map();
  const lists: Array<[string, string, string | undefined]> = [...NAMESPACED.map(([v, k]): [string, string, string] => [v, k, namespace]), ...CLUSTER.map(([v, k]): [string, string, undefined] => [v, k, undefined])];
  for (const [apiVersion, kind, ns] of lists) {
    const list = await client.list(apiVersion, kind, ns);
    for (const item of list.items) {
      out.set(`${kind} ${item.metadata?.namespace ?? ''}/${item.metadata?.name ?? ''}`, item.metadata?.resourceVersion ?? '');
    }
  }
  return out;
}

/** The keys whose resourceVersion differs, appeared or vanished between two snapshots. */
export function changed(before: Snapshot, after: Snapshot): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k)).sort();
}

/** Waits until two snapshots a second apart agree (the controllers are done), and returns it. */
export async function settled(kubeConfig: KubeConfig, namespace: string, timeoutMs = 30_000): Promise<Snapshot> {
  const deadline = Date.now() + timeoutMs;
  let last = await snapshot(kubeConfig, namespace);
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await snapshot(kubeConfig, namespace);
    if (changed(last, now).length === 0) return now;
    if (Date.now() > deadline) throw new Error(`the cluster did not settle: ${changed(last, now).join(', ')}`);
    last = now;
  }
}
