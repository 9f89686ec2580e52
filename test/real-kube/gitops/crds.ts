/**
 * The Flux and Argo CD CustomResourceDefinitions, minimal, for suites against
 * the real API server: installed idempotently, waited for until Established.
 *
 * The schemas are open (`type: object` with
 * `x-kubernetes-preserve-unknown-fields: true`) on purpose: the real CRDs
 * (thousands of lines of OpenAPI from the Flux and Argo CD releases) are not
 * reachable offline, and what Drover depends on is only what is kept exactly
 * here: group, version, kind, plural, scope (Namespaced) and the status
 * subresource (status is written through /status and spec writes do not touch
 * it). Validation of spec fields is the controllers' business, not Drover's.
 */
import { ApiException, ApiextensionsV1Api, type KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';

export interface GitOpsCrd {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames?: string[];
}

/** The kinds, with the storage version each real CRD serves today. */
export const GITOPS_CRDS: readonly GitOpsCrd[] = [
  { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', kind: 'Kustomization', plural: 'kustomizations', singular: 'kustomization', shortNames: ['ks'] },
  { group: 'helm.toolkit.fluxcd.io', version: 'v2', kind: 'HelmRelease', plural: 'helmreleases', singular: 'helmrelease', shortNames: ['hr'] },
  { group: 'source.toolkit.fluxcd.io', version: 'v1', kind: 'GitRepository', plural: 'gitrepositories', singular: 'gitrepository', shortNames: ['gitrepo'] },
  { group: 'argoproj.io', version: 'v1alpha1', kind: 'Application', plural: 'applications', singular: 'application', shortNames: ['app', 'apps'] },
];

function manifest(crd: GitOpsCrd): V1CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${crd.plural}.${crd.group}` },
    spec: {
      group: crd.group,
      scope: 'Namespaced',
      names: { kind: crd.kind, listKind: `${crd.kind}List`, plural: crd.plural, singular: crd.singular, shortNames: crd.shortNames },
      versions: [
        {
          name: crd.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          // The client spells x-kubernetes-preserve-unknown-fields this way and serialises it back.
          schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
        },
      ],
    },
  };
}

function established(crd: V1CustomResourceDefinition): boolean {
  return (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
}

/**
 * Creates the four CRDs (an existing one is left as it is) and resolves once
 * each is Established, so custom objects of their kinds can be written.
 */
export async function installGitOpsCrds(kubeConfig: KubeConfig, options: { timeoutMs?: number } = {}): Promise<void> {
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (const crd of GITOPS_CRDS) {
    try {
      await api.createCustomResourceDefinition({ body: manifest(crd) });
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 409)) throw err;
    }
  }
  for (const crd of GITOPS_CRDS) {
    const name = `${crd.plural}.${crd.group}`;
    for (;;) {
      if (established(await api.readCustomResourceDefinition({ name }))) break;
      if (Date.now() > deadline) throw new Error(`CustomResourceDefinition ${name} was not Established in time`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
