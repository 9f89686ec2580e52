/**
 * PersistentVolumeClaims and StorageClasses for ctx.k8s: read them, and
 * expand a claim (the KubePersistentVolumeFillingUp remedy) with a merge patch
 * of spec.resources.requests.storage. Whether the class allows expansion, and
 * that a claim never shrinks, is the API server's call: its 403 and 422 come
 * back as k8s_forbidden and k8s_invalid with the server's own words.
 */
import {
  CoreV1Api,
  PatchStrategy,
  StorageV1Api,
  type KubeConfig,
  type V1PersistentVolumeClaim,
  type V1StorageClass,
} from '@kubernetes/client-node';
import type { ApiCaller } from './api-caller.js';
import { ref, type MutationTarget, type Mutations } from './mutation.js';
import { objectDiff } from './plan-diff.js';
import { compareQuantities } from './quantity.js';
import type { PlannedChange } from './types.js';

function requestedStorage(pvc: V1PersistentVolumeClaim): string | undefined {
  return pvc.spec?.resources?.requests?.storage;
}

export class StorageOps {
  private readonly core: CoreV1Api;
  private readonly storage: StorageV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly caller: ApiCaller,
    private readonly mutations: Mutations,
  ) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.storage = kubeConfig.makeApiClient(StorageV1Api);
  }

  async getPvc(namespace: string, name: string): Promise<V1PersistentVolumeClaim> {
    const target = { verb: 'get', resource: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', namespace, name };
    return (await this.caller.call(target, (o) => this.core.readNamespacedPersistentVolumeClaimWithHttpInfo({ name, namespace }, o))).data;
  }

  async getStorageClass(name: string): Promise<V1StorageClass> {
    const target = { verb: 'get', resource: 'storageclasses', kind: 'StorageClass', name };
    return (await this.caller.call(target, (o) => this.storage.readStorageClassWithHttpInfo({ name }, o))).data;
  }

  /**
   * Sets the claim's storage request to `newSize`, pinned to the
   * resourceVersion just read (a concurrent change is a retryable 409).
   * Skipped when the claim already requests that size; a malformed size is
   * params_invalid before anything is sent.
   */
  expandPvc(namespace: string, name: string, newSize: string): Promise<PlannedChange> {
    const target: MutationTarget = { verb: 'patch', kind: 'PersistentVolumeClaim', namespace, name };
    const label = `PersistentVolumeClaim ${ref(namespace, name)}`;
    return this.mutations
      .run(target, async () => {
        const before = await this.getPvc(namespace, name);
        const from = requestedStorage(before);
        // Validates newSize too: a malformed one throws params_invalid here.
        if (compareQuantities(newSize, from ?? '0') === 0) {
          return { change: this.mutations.change(target, `expand ${label}: already requests ${from ?? newSize} (no change)`, '') };
        }
        const body = { metadata: { resourceVersion: before.metadata?.resourceVersion }, spec: { resources: { requests: { storage: newSize } } } };
        const { data: after, status } = await this.caller.call(
          { verb: 'patch', resource: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', namespace, name },
          (o) => this.core.patchNamespacedPersistentVolumeClaimWithHttpInfo({ name, namespace, body, dryRun: this.mutations.dryRunParam }, o),
          PatchStrategy.MergePatch,
        );
        const summary = `expand ${label}: ${from ?? 'no request'} → ${requestedStorage(after) ?? newSize}`;
        return { change: this.mutations.change(target, summary, objectDiff(label, before, after, this.mutations.dryRun)), status };
      })
      .then((r) => r.change);
  }
}
