/**
 * ctx.k8s, GitOps-aware: the mutations that set fields git may hold go
 * through changeGitOwned (which looks up the object's owner first and, for
 * an object git does not own, makes the very same call as before). The
 * mutations git does not hold (a restart's annotation, a pause, a cordon, a
 * pod's deletion, an eviction) and every read pass straight through.
 */
import type { JsonPatchOperation, K8sOps, KubeManifest, KubeObject, PlannedChange } from '../k8s/types.js';
import { toPlain } from '../k8s/plan-diff.js';
import { changeGitOwned, type ChangeFlowDeps, type ChangeTarget } from './change-flow.js';
import { jsonPatchFields, mergePatchFields } from './field-path.js';

/** A typed client model as the plain object the owner lookup reads (labels, annotations, fields). */
async function asObject(read: Promise<unknown>, apiVersion: string, kind: string): Promise<KubeObject> {
  const plain = (toPlain(await read) ?? {}) as Partial<KubeObject>;
  return { ...plain, apiVersion: plain.apiVersion ?? apiVersion, kind: plain.kind ?? kind, metadata: plain.metadata ?? {} };
}

/** Wraps one run's ctx.k8s. */
export function gitopsAwareOps(inner: K8sOps, deps: Omit<ChangeFlowDeps, 'k8s'>): K8sOps {
  const flow: ChangeFlowDeps = { ...deps, k8s: inner };
  const change = (target: ChangeTarget) => changeGitOwned(flow, target);
  const overrides: Partial<K8sOps> = {
    scaleDeployment: (namespace, name, replicas) =>
      change({
        object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name },
        fields: [{ path: ['spec', 'replicas'], value: replicas }],
        verb: 'scale',
        direct: () => inner.scaleDeployment(namespace, name, replicas),
        read: () => asObject(inner.getDeployment(namespace, name), 'apps/v1', 'Deployment'),
      }),
    setHpaMaxReplicas: (namespace, name, maxReplicas) =>
      change({
        // autoscaling/v1 is served by every version and holds maxReplicas as v2 does.
        object: { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', namespace, name },
        fields: [{ path: ['spec', 'maxReplicas'], value: maxReplicas }],
        verb: 'set maxReplicas of',
        direct: () => inner.setHpaMaxReplicas(namespace, name, maxReplicas),
        read: () => asObject(inner.getHpa(namespace, name), 'autoscaling/v2', 'HorizontalPodAutoscaler'),
      }),
    expandPvc: (namespace, name, size) =>
      change({
        object: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name },
        fields: [{ path: ['spec', 'resources', 'requests', 'storage'], value: size }],
        verb: 'expand',
        direct: () => inner.expandPvc(namespace, name, size),
        read: () => asObject(inner.getPvc(namespace, name), 'v1', 'PersistentVolumeClaim'),
      }),
    rollbackDeployment: (namespace, name, options) =>
      change({
        object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name },
        verb: 'roll back',
        direct: () => inner.rollbackDeployment(namespace, name, options),
        read: () => asObject(inner.getDeployment(namespace, name), 'apps/v1', 'Deployment'),
      }),
    patch: <T extends KubeObject = KubeObject>(
      apiVersion: string,
      kind: string,
      name: string,
      patch: Record<string, unknown> | JsonPatchOperation[],
      options: Parameters<K8sOps['patch']>[4] = {},
    ): Promise<PlannedChange & { object: T }> => {
      const type = options.type ?? 'merge';
      const fields = Array.isArray(patch) ? (type === 'json' ? jsonPatchFields(patch) : undefined) : type === 'merge' ? mergePatchFields(patch) : undefined;
      let result: (PlannedChange & { object: T }) | undefined;
      return change({
        object: { apiVersion, kind, ...(options.namespace ? { namespace: options.namespace } : {}), name },
        ...(fields ? { fields } : {}),
        verb: `${type} patch`,
        direct: async () => (result = await inner.patch<T>(apiVersion, kind, name, patch, options)),
      }).then(async (planned) => result ?? { ...planned, object: await inner.get<T>(apiVersion, kind, name, options.namespace ? { namespace: options.namespace } : {}) });
    },
    apply: <T extends KubeObject = KubeObject>(manifest: KubeManifest, options: Parameters<K8sOps['apply']>[1] = {}): Promise<PlannedChange & { object: T }> => {
      const namespace = manifest.metadata.namespace ?? options.namespace;
      let result: (PlannedChange & { object: T }) | undefined;
      return change({
        object: { apiVersion: manifest.apiVersion, kind: manifest.kind, ...(namespace ? { namespace } : {}), name: manifest.metadata.name },
        verb: 'apply',
        direct: async () => (result = await inner.apply<T>(manifest, options)),
      }).then(async (planned) => result ?? { ...planned, object: await inner.get<T>(manifest.apiVersion, manifest.kind, manifest.metadata.name, namespace ? { namespace } : {}) });
    },
  };
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && Object.hasOwn(overrides, prop)) return overrides[prop as keyof K8sOps];
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
