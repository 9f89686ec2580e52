/**
 * Validating admission, after validation passed: the PersistentVolumeClaimResize
 * plugin, which lets a claim grow only when its StorageClass says
 * allowVolumeExpansion: true. Like the real plugin it answers 403 Forbidden,
 * and it runs for dry-run requests too.
 */
import { compareQuantities } from '../../k8s/quantity.js';
import { ensurePath, getPath, isObject, type JsonObject } from './json.js';
import { requireResource, type ResourceDef } from './resources.js';
import { forbidden } from './status.js';
import type { ObjectStore } from './store.js';
import type { KubeObject } from './types.js';

const STORAGE_CLASSES = requireResource('storageclasses');
/** Older claims name their class in this annotation instead of spec.storageClassName. */
const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

export const RESIZE_FORBIDDEN = 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize';

function storage(obj: KubeObject): string {
  const value = getPath(obj, 'spec', 'resources', 'requests', 'storage');
  return typeof value === 'string' ? value : '0';
}

function classOf(pvc: KubeObject): string {
  const annotated = pvc.metadata.annotations?.[BETA_CLASS_ANNOTATION];
  if (annotated !== undefined) return annotated;
  const name = getPath(pvc, 'spec', 'storageClassName');
  return typeof name === 'string' ? name : '';
}

function allowsResize(store: ObjectStore, pvc: KubeObject, old: KubeObject): boolean {
  const name = classOf(pvc);
  if (name === '' || name !== classOf(old)) return false;
  return getPath(store.get(STORAGE_CLASSES, undefined, name), 'allowVolumeExpansion') === true;
}

const NOT_READY = 'node.kubernetes.io/not-ready';
const PVC_PROTECTION = 'kubernetes.io/pvc-protection';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

function tolerates(tolerations: JsonObject[], key: string): boolean {
  return tolerations.some((t) => (t.key === key || (t.key === undefined && t.operator === 'Exists')) && (t.effect === undefined || t.effect === 'NoExecute'));
}

/**
 * Mutating admission on create, as the default plugins of kube-apiserver do
 * it: Priority (priority 0, preemptionPolicy) and DefaultTolerationSeconds
 * (300 s on not-ready/unreachable) for pods; StorageObjectInUseProtection
 * (the pvc-protection finalizer) for claims; TaintNodesByCondition (a new
 * node is not-ready until its kubelet says otherwise) for nodes.
 */
export function admitCreate(def: ResourceDef, obj: KubeObject): void {
  if (def.resource === 'pods' && isObject(obj.spec)) {
    const spec = obj.spec;
    if (spec.priority === undefined && !spec.priorityClassName) spec.priority = 0;
    if (spec.preemptionPolicy === undefined) spec.preemptionPolicy = 'PreemptLowerPriority';
    const tolerations = Array.isArray(spec.tolerations) ? spec.tolerations.filter(isObject) : [];
    for (const key of [NOT_READY, UNREACHABLE]) {
      if (!tolerates(tolerations, key)) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
    }
    spec.tolerations = tolerations;
  }
  if (def.resource === 'persistentvolumeclaims') {
    // StorageObjectInUseProtection: a claim in use is not removed under its pods.
    const finalizers = obj.metadata.finalizers;
    const list = Array.isArray(finalizers) ? finalizers.map(String) : [];
    if (!list.includes(PVC_PROTECTION)) obj.metadata.finalizers = [...list, PVC_PROTECTION];
  }
  if (def.resource === 'nodes') {
    const spec = ensurePath(obj, 'spec');
    const taints = Array.isArray(spec.taints) ? spec.taints.filter(isObject) : [];
    if (!taints.some((t) => t.key === NOT_READY && t.effect === 'NoSchedule')) taints.push({ key: NOT_READY, effect: 'NoSchedule' });
    spec.taints = taints;
  }
}

/** Throws the plugin's 403 when an update grows a claim its class cannot expand. */
export function admitUpdate(store: ObjectStore, def: ResourceDef, next: KubeObject, old: KubeObject): void {
  if (def.resource !== 'persistentvolumeclaims') return;
  if (compareQuantities(storage(next), storage(old)) <= 0) return;
  const gr = { group: def.group, resource: def.resource };
  const name = next.metadata.name;
  // Validation already refuses a new size on an unbound claim (spec is immutable); kept as the plugin has it.
  if (getPath(old, 'status', 'phase') !== 'Bound') throw forbidden(gr, name, 'Only bound persistent volume claims can be expanded');
  if (!allowsResize(store, next, old)) throw forbidden(gr, name, RESIZE_FORBIDDEN);
}
