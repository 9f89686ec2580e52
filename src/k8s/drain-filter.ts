/**
 * Which pods a drain evicts, as `kubectl drain` sorts them (k8s.io/kubectl
 * pkg/drain/filters.go): pods that already finished or are being deleted need
 * nothing; DaemonSet pods and mirror (static) pods are skipped, since evicting
 * them achieves nothing (the DaemonSet controller ignores unschedulable, the
 * kubelet recreates a static pod); a pod no controller owns, or one with
 * emptyDir data, is refused unless the caller says so, because evicting it
 * loses it (or its data) for good. Pure: no API calls.
 */
import type { V1Pod } from '@kubernetes/client-node';

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

export interface DrainOptions {
  /** Evict pods no controller owns (they are not recreated anywhere): kubectl's --force. */
  force?: boolean;
  /** Evict pods with emptyDir volumes (their data is lost): kubectl's --delete-emptydir-data. */
  deleteEmptyDirData?: boolean;
}

/** A pod, named, and why it is where it is in the plan. */
export interface DrainPod {
  namespace: string;
  name: string;
  uid: string;
  /** `ReplicaSet/web-5d8f`, or null when no controller owns it. */
  owner: string | null;
  /** Why it is skipped or refused (empty for a pod to evict). */
  reason: string;
}

export interface DrainPlan {
  node: string;
  /** Pods to evict, in namespace/name order. */
  evict: DrainPod[];
  /** Pods left alone on purpose (DaemonSet, mirror, finished, already terminating). */
  skip: DrainPod[];
  /** Pods that block the drain unless the options allow them (unmanaged, emptyDir). */
  refuse: DrainPod[];
}

function describePod(pod: V1Pod, reason: string): DrainPod {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller === true);
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    owner: owner ? `${owner.kind}/${owner.name}` : null,
    reason,
  };
}

/** Why a pod is skipped, or undefined when it is not. */
function skipReason(pod: V1Pod): string | undefined {
  if (pod.metadata?.deletionTimestamp) return 'already terminating';
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return `already finished (${phase})`;
  if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return 'mirror pod of a static pod (the kubelet owns it)';
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller === true);
  if (owner?.kind === 'DaemonSet') return `managed by DaemonSet/${owner.name} (it would be recreated on this node)`;
  return undefined;
}

/** Why a pod blocks the drain under these options, or undefined when it may be evicted. */
function refuseReason(pod: V1Pod, options: DrainOptions): string | undefined {
  const reasons: string[] = [];
  const owned = (pod.metadata?.ownerReferences ?? []).some((o) => o.controller === true);
  if (!owned && options.force !== true) reasons.push('no controller owns it, so nothing would recreate it (force=true evicts it)');
  const emptyDirs = (pod.spec?.volumes ?? []).filter((v) => v.emptyDir !== undefined).map((v) => v.name);
  if (emptyDirs.length > 0 && options.deleteEmptyDirData !== true) {
    reasons.push(`it has emptyDir data (${emptyDirs.join(', ')}) that eviction deletes (deleteEmptyDirData=true evicts it)`);
  }
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

const byName = (a: DrainPod, b: DrainPod) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`);

/** Sorts the pods of `node` into evict, skip and refuse. */
export function planDrain(node: string, pods: readonly V1Pod[], options: DrainOptions = {}): DrainPlan {
  const plan: DrainPlan = { node, evict: [], skip: [], refuse: [] };
  for (const pod of pods) {
    const skip = skipReason(pod);
    if (skip) {
      plan.skip.push(describePod(pod, skip));
      continue;
    }
    const refuse = refuseReason(pod, options);
    if (refuse) plan.refuse.push(describePod(pod, refuse));
    else plan.evict.push(describePod(pod, ''));
  }
  plan.evict.sort(byName);
  plan.skip.sort(byName);
  plan.refuse.sort(byName);
  return plan;
}
