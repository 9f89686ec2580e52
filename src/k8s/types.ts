import type { CoreV1Event, V1Deployment, V1Node, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import type { V1Job, V1PersistentVolumeClaim, V1StorageClass, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { DrainOptions, DrainPlan } from './drain-filter.js';
import type { RolloutStatus } from './rollout-status.js';

export type { CoreV1Event, V1Deployment, V1Node, V1Pod, V1ReplicaSet };
export type { V1Job, V1PersistentVolumeClaim, V1StorageClass, V2HorizontalPodAutoscaler };

export type { DrainOptions, DrainPlan, DrainPod } from './drain-filter.js';
export type { RolloutStatus } from './rollout-status.js';

import type { ApplyOptions, GenericListOptions, GenericPatchOptions, JsonPatchOperation, KubeManifest, KubeObject, ObjectOptions } from './kube-object.js';
export type { ApplyOptions, GenericListOptions, GenericPatchOptions, JsonPatchOperation, KubeManifest, KubeObject, KubeObjectMeta, ObjectOptions, PatchType } from './kube-object.js';

export type MutationVerb = 'create' | 'update' | 'patch' | 'delete';

/** One object a mutation changed (or, in a dry run, would change). */
export interface PlannedChange {
  verb: MutationVerb;
  /** Kind of the object, with `/scale` for the scale subresource: `Deployment`, `Deployment/scale`, `Pod`. */
  kind: string;
  namespace?: string;
  name: string;
  /** True when the request was sent with dryRun=All and nothing changed. */
  dryRun: boolean;
  /** One line: `scale Deployment shop/web: replicas 3 → 5`. */
  summary: string;
  /** Unified diff of the object as YAML, before → after (noise such as managedFields stripped). */
  diff: string;
}

/** What a mutation hook is told, for the audit log and metrics. */
export interface MutationRecord {
  cluster: string;
  verb: MutationVerb;
  kind: string;
  namespace?: string;
  name: string;
  dryRun: boolean;
  /**
   * `unknown`: it may have been applied: the connection was cut or timed out
   * before an answer, or the process died after sending it and before hearing
   * back (recorded from the audit outbox).
   */
  outcome: 'succeeded' | 'failed' | 'unknown';
  /** HTTP status the API server answered with, if it answered. */
  status?: number;
  /** Present when outcome is failed or unknown: the DroverError code. */
  errorCode?: string;
}

/** Follows one API call from its start (tracing): told the request once it is built, then how the call ended. */
export interface ApiCallObserver {
  /** The request about to be sent; answers headers to add to it (a traceparent). */
  request?(request: { method: string; url: string }): Record<string, string> | undefined;
  /** `code` is the HTTP status, or 0 when there was no answer. */
  end(result: { code: number; error?: unknown }): void;
}

export interface K8sHooks {
  /** Every API call, read or write: verb is the Kubernetes verb (get, list, patch, delete...), code the HTTP status or 0 for a network error. */
  onApiCall?(call: { cluster: string; verb: string; resource: string; code: number }): void;
  /** Every API call as it begins (tracing); must not throw. */
  onApiCallStart?(call: { cluster: string; verb: string; resource: string }): ApiCallObserver | undefined;
  /**
   * Every mutation, before it is sent; `id` names it in `onMutation` too. May
   * be async; it is awaited (a failure stops the mutation from being sent).
   */
  beforeMutation?(record: Omit<MutationRecord, 'outcome'>, id: string): void | Promise<void>;
  /** Every mutation, after the API server answered (or failed to). May be async; it is awaited. */
  onMutation?(record: MutationRecord, change: PlannedChange | undefined, id: string): void | Promise<void>;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface LogOptions {
  container?: string;
  tailLines?: number;
  sinceSeconds?: number;
  previous?: boolean;
}

/**
 * The Kubernetes door of a runbook, bound to the run's cluster. Reads are real;
 * every mutating call is sent with dryRun=All when the run is a dry run and is
 * recorded in the run's plan either way.
 */
export interface K8sOps {
  readonly cluster: string;
  readonly dryRun: boolean;

  getDeployment(namespace: string, name: string): Promise<V1Deployment>;
  listDeployments(namespace?: string, options?: ListOptions): Promise<V1Deployment[]>;
  /** Replicas wanted by the scale subresource. */
  getScale(namespace: string, deployment: string): Promise<number>;
  /** Sets replicas through the scale subresource (merge patch). */
  scaleDeployment(namespace: string, deployment: string, replicas: number): Promise<PlannedChange>;
  /**
   * Rollout restart, as `kubectl rollout restart` does it: stamps the pod template
   * with `kubectl.kubernetes.io/restartedAt`. Pass a fixed `restartedAt` to make a
   * retried restart idempotent (the same stamp triggers no second rollout).
   */
  restartDeployment(namespace: string, deployment: string, options?: { restartedAt?: string }): Promise<PlannedChange>;
  /**
   * Rolls the deployment's pod template back to the ReplicaSet of the previous
   * revision (or `toRevision`), as `kubectl rollout undo` does.
   */
  rollbackDeployment(namespace: string, deployment: string, options?: { toRevision?: number }): Promise<PlannedChange>;
  listReplicaSets(namespace: string, options?: ListOptions): Promise<V1ReplicaSet[]>;

  getPod(namespace: string, name: string): Promise<V1Pod>;
  listPods(namespace: string, options?: ListOptions): Promise<V1Pod[]>;
  /**
   * Deletes a pod. With `uid`, the API server refuses (409) if the pod was
   * already replaced by another of the same name; that and 404 are reported as
   * `alreadyGone` rather than thrown, so a retried delete is harmless.
   */
  deletePod(
    namespace: string,
    name: string,
    options?: { uid?: string; gracePeriodSeconds?: number },
  ): Promise<PlannedChange & { alreadyGone: boolean }>;
  readPodLogs(namespace: string, pod: string, options?: LogOptions): Promise<string>;

  getNode(name: string): Promise<V1Node>;
  listNodes(options?: ListOptions): Promise<V1Node[]>;
  cordonNode(name: string): Promise<PlannedChange>;
  uncordonNode(name: string): Promise<PlannedChange>;

  /** Events in a namespace, optionally only those about one object. */
  listEvents(namespace: string, involvedObject?: { kind?: string; name: string }): Promise<CoreV1Event[]>;

  /** A HorizontalPodAutoscaler, autoscaling/v2. */
  getHpa(namespace: string, name: string): Promise<V2HorizontalPodAutoscaler>;
  /**
   * Sets spec.maxReplicas (merge patch) pinned to the resourceVersion it read,
   * so a concurrent change is a retryable k8s_conflict. Summary:
   * `raise HorizontalPodAutoscaler shop/web: maxReplicas 10 → 15`. No request
   * when the value is already there. Bounds are the runbook's business; the
   * API server refuses (k8s_invalid) a max below minReplicas or below 1.
   *
   * @example
   * ```ts
   * const hpa = await ctx.k8s.getHpa(ns, name);
   * const max = hpa.spec?.maxReplicas ?? 0;
   * await ctx.k8s.setHpaMaxReplicas(ns, name, Math.min(max * 2, params.ceiling));
   * ```
   */
  setHpaMaxReplicas(namespace: string, name: string, maxReplicas: number): Promise<PlannedChange>;

  getPvc(namespace: string, name: string): Promise<V1PersistentVolumeClaim>;
  getStorageClass(name: string): Promise<V1StorageClass>;
  /**
   * Sets spec.resources.requests.storage (merge patch, resourceVersion pinned).
   * Summary: `expand PersistentVolumeClaim shop/data: 10Gi → 15Gi`. No request
   * when the claim already asks for that size; a malformed size is
   * params_invalid. The API server refuses a class without
   * allowVolumeExpansion (k8s_forbidden) and any shrink (k8s_invalid); neither
   * is retryable. See `grownSize()` in quantity.ts for computing the new size.
   *
   * @example
   * ```ts
   * const pvc = await ctx.k8s.getPvc(ns, name);
   * const sc = await ctx.k8s.getStorageClass(pvc.spec?.storageClassName ?? '');
   * if (sc.allowVolumeExpansion !== true) throw new RunbookRefusal(`StorageClass ${sc.metadata?.name} cannot expand volumes`);
   * await ctx.k8s.expandPvc(ns, name, grownSize(pvc.spec?.resources?.requests?.storage ?? '0'));
   * ```
   */
  expandPvc(namespace: string, name: string, newSize: string): Promise<PlannedChange>;

  getJob(namespace: string, name: string): Promise<V1Job>;
  /**
   * The job's pods, found by the `batch.kubernetes.io/job-name` label or the
   * older `job-name` label, each once, oldest first.
   */
  listJobPods(namespace: string, job: string): Promise<V1Pod[]>;

  // ---- Any kind, custom resources included (generic-ops.ts)

  /**
   * One object of any kind the cluster serves (found through discovery, so
   * CustomResourceDefinitions' kinds too). A missing object is k8s_not_found.
   *
   * @example
   * ```ts
   * const cm = await ctx.k8s.get('v1', 'ConfigMap', 'settings', { namespace: 'shop' });
   * const cert = await ctx.k8s.get<Certificate>('cert-manager.io/v1', 'Certificate', 'web-tls', { namespace: 'shop' });
   * ```
   */
  get<T extends KubeObject = KubeObject>(apiVersion: string, kind: string, name: string, options?: ObjectOptions): Promise<T>;
  /**
   * Objects of any kind, in one namespace or all; each item carries its
   * apiVersion and kind.
   *
   * @example
   * ```ts
   * const failed = await ctx.k8s.list('v1', 'Pod', { namespace: 'shop', fieldSelector: 'status.phase=Failed', limit: 50 });
   * ```
   */
  list<T extends KubeObject = KubeObject>(apiVersion: string, kind: string, options?: GenericListOptions): Promise<T[]>;
  /**
   * Server-side apply (field manager `drover`, like `kubectl apply
   * --server-side`): creates the object or sets the fields the manifest
   * names. In a dry run the server computes the result and keeps nothing.
   * The change's diff is the object before → as the server answered; a
   * Secret's values never show (nor in the returned `object`). A field
   * another manager owns is k8s_conflict unless `force`.
   *
   * @example
   * ```ts
   * await ctx.step('pause the canary', () =>
   *   ctx.k8s.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'canary', namespace: 'shop' }, data: { paused: 'true' } }),
   * );
   * ```
   */
  apply<T extends KubeObject = KubeObject>(manifest: KubeManifest, options?: ApplyOptions): Promise<PlannedChange & { object: T }>;
  /**
   * Patches an existing object of any kind: `merge` (default), `json` (a list
   * of RFC 6902 operations) or `strategic` (built-in kinds only). Dry-runnable
   * and diffed like every mutation.
   *
   * @example
   * ```ts
   * await ctx.k8s.patch('example.com/v1', 'Widget', 'w1', { spec: { size: 3 } }, { namespace: 'shop' });
   * await ctx.k8s.patch('apps/v1', 'Deployment', 'web', [{ op: 'replace', path: '/spec/replicas', value: 2 }], { namespace: 'shop', type: 'json' });
   * ```
   */
  patch<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    name: string,
    patch: Record<string, unknown> | JsonPatchOperation[],
    options?: GenericPatchOptions,
  ): Promise<PlannedChange & { object: T }>;

  // ---- Drains and rollouts (eviction-ops.ts, rollout-ops.ts)

  /** Every pod bound to the node, in every namespace (`spec.nodeName`). */
  listNodePods(node: string): Promise<V1Pod[]>;
  /**
   * The node's pods sorted as `kubectl drain` sorts them: to evict, skipped
   * (DaemonSet and mirror pods, finished or terminating ones) and refused
   * (no controller, or emptyDir data, unless `force` / `deleteEmptyDirData`).
   * Reads only.
   *
   * @example
   * ```ts
   * const plan = await ctx.k8s.planDrain(node, { deleteEmptyDirData: true });
   * if (plan.refuse.length) throw new RunbookRefusal(`cannot drain ${node}: ${plan.refuse.map((p) => p.name).join(', ')}`);
   * ```
   */
  planDrain(node: string, options?: DrainOptions): Promise<DrainPlan>;
  /**
   * Evicts a pod through the Eviction API (policy/v1, or policy/v1beta1 on
   * older clusters), which honours its PodDisruptionBudget: a budget with no
   * disruption left is answered `blocked` with the server's reason (retry
   * later), not thrown. With `uid`, a pod replaced by another of the same
   * name is `gone`, never evicted. A dry run sends the eviction as a dry run.
   *
   * @example
   * ```ts
   * const r = await ctx.k8s.evictPod('shop', 'web-5d8f-x2x9q', { uid });
   * if (r.outcome === 'blocked') await ctx.report(`still blocked: ${r.reason}`);
   * ```
   */
  evictPod(namespace: string, name: string, options?: { uid?: string; gracePeriodSeconds?: number }): Promise<EvictionResult>;
  /** Where the deployment's rollout is, in `kubectl rollout status`'s terms. Reads only. */
  rolloutStatus(namespace: string, deployment: string): Promise<RolloutStatus>;
  /** Sets spec.paused: the controller stops rolling out template changes (`kubectl rollout pause`). No request when already paused. */
  pauseDeployment(namespace: string, deployment: string): Promise<PlannedChange>;
  /** Clears spec.paused (`kubectl rollout resume`). No request when not paused. */
  resumeDeployment(namespace: string, deployment: string): Promise<PlannedChange>;
}

/** How one eviction went. */
export type EvictionResult =
  /** Accepted (in a dry run: would be); the pod terminates and its controller replaces it elsewhere. */
  | { outcome: 'evicted'; change: PlannedChange }
  /** The pod no longer exists, or was replaced by another of that name. */
  | { outcome: 'gone'; change: PlannedChange }
  /** A PodDisruptionBudget allows no disruption now (HTTP 429): nothing changed; try again later. */
  | { outcome: 'blocked'; reason: string; retryAfterSeconds?: number };

/** The Kubernetes user and groups a run acts as when its cluster impersonates (Impersonate-User / Impersonate-Group). */
export interface K8sIdentity {
  user: string;
  groups: string[];
}
