/**
 * Drover's authoring API: everything a runbook file may import, by the package's
 * name (`drover`, in Drover's checkout and in a repository that installed it).
 *
 * @example
 * ```ts
 * import { defineRunbook, RunbookRefusal, z } from 'drover';
 * ```
 */
export { z } from 'zod';
export { defineRunbook } from '../runbook/define.js';
export { secret } from '../redact/secret-params.js';
export { RunbookRefusal, DroverError } from '../errors.js';
export type {
  AlertMatcher,
  AlertTrigger,
  ApprovalPolicy,
  RateLimit,
  Requester,
  Risk,
  RunContext,
  RunLogger,
  Runbook,
  RunbookGitOps,
  RunbookSpec,
  StepContext,
  StepOptions,
  Triggers,
} from '../runbook/types.js';
export type {
  K8sOps,
  PlannedChange,
  V1Deployment,
  V1Node,
  V1Pod,
  V1ReplicaSet,
  CoreV1Event,
  V1Job,
  V1PersistentVolumeClaim,
  V1StorageClass,
  V2HorizontalPodAutoscaler,
} from '../k8s/types.js';
/** Drains and rollouts: what ctx.k8s.planDrain, evictPod and rolloutStatus answer. */
export type { DrainOptions, DrainPlan, DrainPod, EvictionResult, RolloutStatus } from '../k8s/types.js';
/** GitOps modes a runbook's `gitops` may name. */
export type { GitOpsMode } from '../gitops/types.js';
/** Kubernetes quantities (`10Gi`, `1536Mi`): parse, compare, grow. */
export { compareQuantities, grownSize, parseQuantity } from '../k8s/quantity.js';
/** Any kind (ctx.k8s.get/list/apply/patch): objects, manifests and options. */
export type {
  ApplyOptions,
  GenericListOptions,
  GenericPatchOptions,
  JsonPatchOperation,
  KubeManifest,
  KubeObject,
  KubeObjectMeta,
  ObjectOptions,
  PatchType,
} from '../k8s/types.js';
/** ctx.prometheus: typed query results. */
export type { PrometheusOps, PromQueryOptions, PromQueryResult, PromRangeOptions, PromSample, PromSeries } from '../prometheus/types.js';
/** ctx.http: requests to the hosts in outbound.allow. */
export type { HttpMethod, HttpOps, HttpRequest, HttpResponse } from '../outbound/http-types.js';
