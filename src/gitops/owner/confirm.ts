/**
 * An ownership claim on a live object (labels, a tracking-id) is written by
 * whoever may write the object, so it proves nothing alone: someone who may
 * only create objects in team-a could otherwise name production's
 * Kustomization and turn a scale in team-a into a pull request editing
 * production's manifest, or a suspension of production's reconciler. These
 * checks ask the owner itself, whose status only its controller writes.
 */
import type { KubeObject } from '../../k8s/types.js';
import { at, groupOf, record, text } from './fields.js';

/** Flux's inventory id of an object: `<namespace>_<name>_<group>_<kind>` (namespace and group empty when none). */
export function fluxInventoryId(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}_${object.metadata.name ?? ''}_${groupOf(object.apiVersion)}_${object.kind}`;
}

/**
 * Whether a Flux Kustomization (or HelmRelease) confirms that it applied
 * `object`: its status.inventory lists it when the inventory exists; without
 * one (not reconciled yet, an old Flux), the object must at least be in
 * spec.targetNamespace when that is set (Flux puts every namespaced object there).
 */
export function fluxConfirms(owner: KubeObject, object: KubeObject): boolean {
  const inventory = record(at(owner, 'status', 'inventory'));
  if (inventory) {
    const entries = inventory.entries;
    if (!Array.isArray(entries)) return false;
    const id = fluxInventoryId(object);
    return entries.some((e) => text(record(e)?.id, 2048) === id);
  }
  const target = text(at(owner, 'spec', 'targetNamespace'), 253);
  if (target && object.metadata.namespace !== undefined && object.metadata.namespace !== target) return false;
  return true;
}

/**
 * Whether a HelmRelease can have rendered `object`: helm-controller installs
 * the release into spec.targetNamespace (default: the HelmRelease's own
 * namespace), so a namespaced object elsewhere only carries copied labels.
 */
export function helmReleaseConfirms(release: KubeObject, object: KubeObject): boolean {
  const inventory = record(at(release, 'status', 'inventory'));
  if (inventory) return fluxConfirms(release, object);
  if (object.metadata.namespace === undefined) return true;
  const target = text(at(release, 'spec', 'targetNamespace'), 253) || release.metadata.namespace;
  return object.metadata.namespace === target;
}
