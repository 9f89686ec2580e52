/**
 * The reconcilers' kinds and the versions Drover reads them in, newest
 * first: a cluster with an older Flux serves only an older version, and the
 * read falls back to it.
 */
import { DroverError } from '../../errors.js';
import type { K8sOps, KubeObject } from '../../k8s/types.js';

export interface KindVersions {
  group: string;
  kind: string;
  /** Newest first. */
  versions: readonly string[];
}

export const KUSTOMIZATION: KindVersions = { group: 'kustomize.toolkit.fluxcd.io', kind: 'Kustomization', versions: ['v1', 'v1beta2'] };
export const HELM_RELEASE: KindVersions = { group: 'helm.toolkit.fluxcd.io', kind: 'HelmRelease', versions: ['v2', 'v2beta2', 'v2beta1'] };
export const GIT_REPOSITORY: KindVersions = { group: 'source.toolkit.fluxcd.io', kind: 'GitRepository', versions: ['v1', 'v1beta2'] };
export const OCI_REPOSITORY: KindVersions = { group: 'source.toolkit.fluxcd.io', kind: 'OCIRepository', versions: ['v1', 'v1beta2'] };
export const BUCKET: KindVersions = { group: 'source.toolkit.fluxcd.io', kind: 'Bucket', versions: ['v1', 'v1beta2'] };
export const APPLICATION: KindVersions = { group: 'argoproj.io', kind: 'Application', versions: ['v1alpha1'] };

/** The kinds whose objects Drover suspends. */
export const SUSPENDABLE: readonly KindVersions[] = [KUSTOMIZATION, HELM_RELEASE, APPLICATION];

function notServed(err: unknown): boolean {
  return err instanceof DroverError && err.code === 'k8s_api_missing';
}

/**
 * The object in the newest version the cluster serves; undefined when it
 * does not exist or no version of its kind is served (the reconciler is not
 * installed). Any other failure (403 above all) is thrown: a caller must not
 * take "could not look" for "not managed".
 */
export async function getServed(
  k8s: Pick<K8sOps, 'get'>,
  kind: KindVersions,
  namespace: string,
  name: string,
): Promise<KubeObject | undefined> {
  for (const version of kind.versions) {
    try {
      const object = await k8s.get(`${kind.group}/${version}`, kind.kind, name, { namespace });
      // A double or an odd server might leave these out; the owner names the version it was read in.
      return { ...object, apiVersion: `${kind.group}/${version}`, kind: kind.kind };
    } catch (err) {
      if (notServed(err)) continue;
      if (err instanceof DroverError && err.code === 'k8s_not_found') return undefined;
      throw err;
    }
  }
  return undefined;
}

/** Every object of the kind in every namespace, in the newest version served; [] when none is. */
export async function listServed(k8s: Pick<K8sOps, 'list'>, kind: KindVersions): Promise<KubeObject[]> {
  for (const version of kind.versions) {
    try {
      return await k8s.list(`${kind.group}/${version}`, kind.kind);
    } catch (err) {
      if (notServed(err)) continue;
      throw err;
    }
  }
  return [];
}

/** The apiVersion's group and kind match the reconciler kind. */
export function isKind(apiVersion: string, kindName: string, kind: KindVersions): boolean {
  return kindName === kind.kind && apiVersion.startsWith(`${kind.group}/`);
}
