/** Objects shaped as the Flux and Argo CD docs show them, for the parsing tests. */
import type { KubeObject } from '../../../../src/k8s/types.js';

export function deployment(labels: Record<string, string> = {}, annotations: Record<string, string> = {}, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', labels, annotations, ...extra }, spec: { replicas: 3 } };
}

export const KS_LABELS = { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' };
export const HR_LABELS = { 'helm.toolkit.fluxcd.io/name': 'web', 'helm.toolkit.fluxcd.io/namespace': 'shop' };

export function kustomization(spec: Record<string, unknown> = {}, apiVersion = 'kustomize.toolkit.fluxcd.io/v1'): KubeObject {
  return {
    apiVersion,
    kind: 'Kustomization',
    metadata: { name: 'apps', namespace: 'flux-system', generation: 2 },
    spec: { interval: '10m', path: './apps/web/', prune: true, sourceRef: { kind: 'GitRepository', name: 'fleet' }, ...spec },
  };
}

export function gitRepository(spec: Record<string, unknown> = {}, apiVersion = 'source.toolkit.fluxcd.io/v1'): KubeObject {
  return {
    apiVersion,
    kind: 'GitRepository',
    metadata: { name: 'fleet', namespace: 'flux-system' },
    spec: { interval: '1m', url: 'https://github.com/acme/fleet', ref: { branch: 'main' }, ...spec },
  };
}

export function helmRelease(spec: Record<string, unknown> = {}, labels: Record<string, string> = KS_LABELS): KubeObject {
  return {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name: 'web', namespace: 'shop', generation: 4, labels },
    spec: { interval: '5m', chart: { spec: { chart: 'web', sourceRef: { kind: 'HelmRepository', name: 'charts' } } }, values: { replicaCount: 3 }, ...spec },
  };
}

export function application(spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}, meta: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'web', namespace: 'argocd', ...meta },
    spec: {
      project: 'default',
      source: { repoURL: 'https://github.com/acme/fleet.git', targetRevision: 'HEAD', path: 'apps/web' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'shop' },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
      ...spec,
    },
    status,
  };
}
