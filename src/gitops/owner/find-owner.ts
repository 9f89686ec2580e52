/**
 * Who in git owns a live object: Argo CD (tracking annotation, or the
 * instance label confirmed by the Application's own resource list) or Flux
 * (the labels helm-controller and kustomize-controller put on what they
 * apply). Reads go through ctx.k8s, so they are audited and made as the
 * run's identity.
 */
import { DroverError } from '../../errors.js';
import type { K8sOps, KubeObject } from '../../k8s/types.js';
import { appConfirmsTracking, appListsObject, labelledApp, trackedBy } from './argo-tracking.js';
import { applicationOwner, DEFAULT_ARGOCD_NAMESPACES, findApplication } from './argo-owner.js';
import { HELM_LABELS, helmReleaseOwner, KUSTOMIZE_LABELS, kustomizationOwner, labelledRef } from './flux-owner.js';
import type { FoundOwner } from './found-owner.js';

export interface FindOwnerOptions {
  /** Where Argo CD keeps Applications named without a namespace. Default ['argocd']. */
  argocdNamespaces?: string[];
}

/**
 * The reconciler that owns `object`, or undefined when none does (or it
 * names one that does not exist, or the reconciler is not installed).
 * Objects made by controllers (with ownerReferences: a Pod, a ReplicaSet) are
 * never owned themselves: their owner is. A read the cluster refuses (403)
 * is thrown, never taken for "unmanaged".
 *
 * @example
 * ```ts
 * const deployment = await ctx.k8s.get('apps/v1', 'Deployment', 'web', { namespace: 'shop' });
 * const owner = await findOwner(ctx.k8s, deployment);
 * if (owner) await ctx.report(owner.text);
 * ```
 */
export async function findOwner(
  k8s: Pick<K8sOps, 'get' | 'list'>,
  object: KubeObject,
  options: FindOwnerOptions = {},
): Promise<FoundOwner | undefined> {
  const meta = object?.metadata;
  // Without them the tracking id and the Application's resource list cannot be checked: failing is safer than "unmanaged".
  if (!meta || typeof meta !== 'object' || typeof object.apiVersion !== 'string' || typeof object.kind !== 'string' || typeof meta.name !== 'string') {
    throw new DroverError('params_invalid', 'findOwner needs the object as the API server returns it: apiVersion, kind and metadata.name (items of a typed list lack apiVersion and kind)');
  }
  if (Array.isArray(meta.ownerReferences) && meta.ownerReferences.length > 0) return undefined;
  const namespaces = options.argocdNamespaces ?? DEFAULT_ARGOCD_NAMESPACES;

  const tracked = trackedBy(object);
  if (tracked) {
    const app = await findApplication(k8s, tracked, namespaces);
    // The annotation is the claim of whoever wrote the object: the Application must confirm it.
    if (app && appConfirmsTracking(app, object, namespaces)) return applicationOwner(app);
  }

  // The renderer closest to the object first: a HelmRelease's objects may carry copied Kustomization labels.
  const release = labelledRef(object, HELM_LABELS);
  if (release) {
    const owner = await helmReleaseOwner(k8s, release, object);
    if (owner) return owner;
  }
  const kustomization = labelledRef(object, KUSTOMIZE_LABELS);
  if (kustomization) {
    const owner = await kustomizationOwner(k8s, kustomization, object);
    if (owner) return owner;
  }

  // Helm charts put app.kubernetes.io/instance on everything: trusted only when the Application lists the object.
  const labelled = labelledApp(object);
  if (labelled) {
    const app = await findApplication(k8s, labelled, namespaces);
    if (app && appListsObject(app, object)) return applicationOwner(app);
  }
  return undefined;
}
