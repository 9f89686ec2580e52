/**
 * ctx.k8s: the K8sOps interface on @kubernetes/client-node's typed APIs.
 * Reads are real; every mutation reads the object first, is sent with
 * dryRun=All in a dry run, and comes back as a PlannedChange with a diff
 * against what the API server answered. HPAs, volume claims and jobs live in
 * their own modules (autoscaling-ops, storage-ops, job-ops); this class
 * delegates to them.
 */
import { AppsV1Api, CoreV1Api, PatchStrategy, type KubeConfig, type V1Pod, type V1Scale } from '@kubernetes/client-node';
import { DroverError } from '../errors.js';
import { ApiCaller } from './api-caller.js';
import { ApiDiscovery } from './api-discovery.js';
import { impersonatingKubeConfig } from './impersonating-http.js';
import { AutoscalingOps } from './autoscaling-ops.js';
import type { DrainOptions, DrainPlan } from './drain-filter.js';
import { EvictionOps } from './eviction-ops.js';
import { JobOps } from './job-ops.js';
import { Mutations, ref, type MutationTarget } from './mutation.js';
import { deletionDiff, objectDiff } from './plan-diff.js';
import { readPodLogs } from './pod-logs.js';
import { planRollback, rollbackPatch, selectorToString } from './rollback.js';
import { RolloutOps } from './rollout-ops.js';
import type { RolloutStatus } from './rollout-status.js';
import { StorageOps } from './storage-ops.js';
import { GenericOps } from './generic-ops.js';
import type { ApplyOptions, GenericListOptions, GenericPatchOptions, JsonPatchOperation, KubeManifest, KubeObject, ObjectOptions } from './kube-object.js';
import type {
  CoreV1Event,
  EvictionResult,
  K8sHooks,
  K8sIdentity,
  K8sOps,
  ListOptions,
  LogOptions,
  PlannedChange,
  V1Deployment,
  V1Job,
  V1Node,
  V1PersistentVolumeClaim,
  V1ReplicaSet,
  V1StorageClass,
  V2HorizontalPodAutoscaler,
} from './types.js';

export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

export interface CreateK8sOpsOptions {
  /** The cluster name Drover knows this kubeconfig by (used in messages, hooks and the audit log). */
  cluster: string;
  kubeConfig: KubeConfig;
  /** Send every mutation with dryRun=All. */
  dryRun: boolean;
  hooks?: K8sHooks;
  /** Per-request timeout in ms (default 30 000): a hung API server fails the call as cluster_unreachable. */
  requestTimeoutMs?: number;
  /** Clock for restartedAt stamps. */
  now?: () => Date;
  /** Send Impersonate-User/Impersonate-Group with this identity on every request (on top of the kubeconfig's credentials). */
  impersonate?: K8sIdentity | undefined;
}

/** RFC 3339 in UTC with second precision, like kubectl's restartedAt. */
function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

class ClientK8sOps implements K8sOps {
  readonly cluster: string;
  readonly dryRun: boolean;
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;
  private readonly caller: ApiCaller;
  private readonly mutations: Mutations;
  private readonly autoscaling: AutoscalingOps;
  private readonly storage: StorageOps;
  private readonly jobs: JobOps;
  private readonly generic: GenericOps;
  private readonly evictions: EvictionOps;
  private readonly rollouts: RolloutOps;

  constructor(private readonly options: CreateK8sOpsOptions) {
    this.cluster = options.cluster;
    this.dryRun = options.dryRun;
    const kubeConfig = options.impersonate ? impersonatingKubeConfig(options.kubeConfig, options.impersonate) : options.kubeConfig;
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.caller = new ApiCaller({
      cluster: options.cluster,
      ...(options.hooks ? { hooks: options.hooks } : {}),
      ...(options.requestTimeoutMs === undefined ? {} : { timeoutMs: options.requestTimeoutMs }),
      dryRun: options.dryRun,
    });
    this.mutations = new Mutations({ cluster: options.cluster, dryRun: options.dryRun, ...(options.hooks ? { hooks: options.hooks } : {}) });
    // Discovery is cached per base kubeconfig (one per cluster), not per impersonated copy.
    const discovery = new ApiDiscovery(options.kubeConfig, kubeConfig, this.caller);
    this.autoscaling = new AutoscalingOps(kubeConfig, this.caller, this.mutations, discovery);
    this.storage = new StorageOps(kubeConfig, this.caller, this.mutations);
    this.generic = new GenericOps(kubeConfig, this.caller, this.mutations, discovery);
    this.jobs = new JobOps(kubeConfig, this.caller, (namespace, listOptions) => this.listPods(namespace, listOptions));
    this.evictions = new EvictionOps(kubeConfig, this.caller, this.mutations, discovery, (namespace, name) => this.getPod(namespace, name));
    this.rollouts = new RolloutOps(kubeConfig, this.caller, this.mutations, (namespace, name) => this.getDeployment(namespace, name));
  }

  // ---- Deployments

  async getDeployment(namespace: string, name: string): Promise<V1Deployment> {
    const target = { verb: 'get', resource: 'deployments', kind: 'Deployment', namespace, name };
    return (await this.caller.call(target, (o) => this.apps.readNamespacedDeploymentWithHttpInfo({ name, namespace }, o))).data;
  }

  async listDeployments(namespace?: string, options: ListOptions = {}): Promise<V1Deployment[]> {
    const target = { verb: 'list', resource: 'deployments', kind: 'Deployment', ...(namespace ? { namespace } : {}) };
    const { data } = await this.caller.call(target, (o) =>
      namespace
        ? this.apps.listNamespacedDeploymentWithHttpInfo({ namespace, ...options }, o)
        : this.apps.listDeploymentForAllNamespacesWithHttpInfo({ ...options }, o),
    );
    return data.items;
  }

  async getScale(namespace: string, deployment: string): Promise<number> {
    return (await this.readScale(namespace, deployment)).spec?.replicas ?? 0;
  }

  private async readScale(namespace: string, name: string): Promise<V1Scale> {
    const target = { verb: 'get', resource: 'deployments/scale', kind: 'Scale', namespace, name };
    return (await this.caller.call(target, (o) => this.apps.readNamespacedDeploymentScaleWithHttpInfo({ name, namespace }, o))).data;
  }

  scaleDeployment(namespace: string, deployment: string, replicas: number): Promise<PlannedChange> {
    const target: MutationTarget = { verb: 'patch', kind: 'Deployment/scale', namespace, name: deployment };
    return this.mutations.run(target, async () => {
      const before = await this.readScale(namespace, deployment);
      const { data: after, status } = await this.caller.call(
        { verb: 'patch', resource: 'deployments/scale', kind: 'Scale', namespace, name: deployment },
        (o) => this.apps.patchNamespacedDeploymentScaleWithHttpInfo({ name: deployment, namespace, body: { spec: { replicas } }, dryRun: this.mutations.dryRunParam }, o),
        PatchStrategy.MergePatch,
      );
      const from = before.spec?.replicas ?? 0;
      const to = after.spec?.replicas ?? 0;
      const summary = `scale Deployment ${ref(namespace, deployment)}: replicas ${from} → ${to}${from === to ? ' (no change)' : ''}`;
      return { change: this.mutations.change(target, summary, objectDiff(`Deployment/scale ${ref(namespace, deployment)}`, before, after, this.dryRun)), status };
    }).then((r) => r.change);
  }

  restartDeployment(namespace: string, deployment: string, options: { restartedAt?: string } = {}): Promise<PlannedChange> {
    const target: MutationTarget = { verb: 'patch', kind: 'Deployment', namespace, name: deployment };
    // Second precision like kubectl's, also for a given stamp (a step's firstStartedAt has milliseconds).
    const stamp = options.restartedAt?.replace(/\.\d+(?=Z$)/, '') ?? rfc3339((this.options.now ?? (() => new Date()))());
    return this.mutations.run(target, async () => {
      const before = await this.getDeployment(namespace, deployment);
      const body = { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: stamp } } } } };
      const { data: after, status } = await this.caller.call(
        { verb: 'patch', resource: 'deployments', kind: 'Deployment', namespace, name: deployment },
        (o) => this.apps.patchNamespacedDeploymentWithHttpInfo({ name: deployment, namespace, body, dryRun: this.mutations.dryRunParam }, o),
        PatchStrategy.StrategicMergePatch,
      );
      const diff = objectDiff(`Deployment ${ref(namespace, deployment)}`, before, after, this.dryRun);
      const summary = `restart Deployment ${ref(namespace, deployment)}${diff === '' ? `: already restarted at ${stamp} (no change)` : ''}`;
      return { change: this.mutations.change(target, summary, diff), status };
    }).then((r) => r.change);
  }

  rollbackDeployment(namespace: string, deployment: string, options: { toRevision?: number } = {}): Promise<PlannedChange> {
    const target: MutationTarget = { verb: 'patch', kind: 'Deployment', namespace, name: deployment };
    return this.mutations.run(target, async () => {
      const before = await this.getDeployment(namespace, deployment);
      const replicaSets = await this.listReplicaSets(namespace, { labelSelector: selectorToString(before.spec?.selector) });
      const plan = planRollback(before, replicaSets, options.toRevision);
      const name = `Deployment ${ref(namespace, deployment)}`;
      if (plan.alreadyThere) {
        const summary = `rollback ${name}: already runs the template of revision ${plan.toRevision} (no change)`;
        return { change: this.mutations.change(target, summary, '') };
      }
      const { data: after, status } = await this.caller.call(
        { verb: 'patch', resource: 'deployments', kind: 'Deployment', namespace, name: deployment },
        (o) =>
          this.apps.patchNamespacedDeploymentWithHttpInfo(
            { name: deployment, namespace, body: rollbackPatch(before.metadata?.resourceVersion, plan.template), dryRun: this.mutations.dryRunParam },
            o,
          ),
        PatchStrategy.JsonPatch,
      );
      const summary = `rollback ${name}: revision ${plan.fromRevision} → ${plan.toRevision} (ReplicaSet ${plan.replicaSet})`;
      return { change: this.mutations.change(target, summary, objectDiff(name, before, after, this.dryRun)), status };
    }).then((r) => r.change);
  }

  async listReplicaSets(namespace: string, options: ListOptions = {}): Promise<V1ReplicaSet[]> {
    const target = { verb: 'list', resource: 'replicasets', kind: 'ReplicaSet', namespace };
    return (await this.caller.call(target, (o) => this.apps.listNamespacedReplicaSetWithHttpInfo({ namespace, ...options }, o))).data.items;
  }

  // ---- Pods

  async getPod(namespace: string, name: string): Promise<V1Pod> {
    const target = { verb: 'get', resource: 'pods', kind: 'Pod', namespace, name };
    return (await this.caller.call(target, (o) => this.core.readNamespacedPodWithHttpInfo({ name, namespace }, o))).data;
  }

  async listPods(namespace: string, options: ListOptions = {}): Promise<V1Pod[]> {
    const target = { verb: 'list', resource: 'pods', kind: 'Pod', namespace };
    return (await this.caller.call(target, (o) => this.core.listNamespacedPodWithHttpInfo({ namespace, ...options }, o))).data.items;
  }

  deletePod(
    namespace: string,
    name: string,
    options: { uid?: string; gracePeriodSeconds?: number } = {},
  ): Promise<PlannedChange & { alreadyGone: boolean }> {
    const target: MutationTarget = { verb: 'delete', kind: 'Pod', namespace, name };
    const label = `Pod ${ref(namespace, name)}`;
    const gone = (why: string, status: number): { change: PlannedChange & { alreadyGone: boolean }; status: number } => ({
      change: { ...this.mutations.change(target, `delete ${label}: ${why}`, ''), alreadyGone: true },
      status,
    });
    return this.mutations.run(target, async () => {
      let before: V1Pod;
      try {
        before = await this.getPod(namespace, name);
      } catch (err) {
        if (err instanceof DroverError && err.code === 'k8s_not_found') return gone('already gone', 404);
        throw err;
      }
      const body: { preconditions?: { uid: string }; gracePeriodSeconds?: number } = {};
      if (options.uid) body.preconditions = { uid: options.uid };
      if (options.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = options.gracePeriodSeconds;
      try {
        const { status } = await this.caller.call(
          { verb: 'delete', resource: 'pods', kind: 'Pod', namespace, name },
          (o) => this.core.deleteNamespacedPodWithHttpInfo({ name, namespace, body: this.mutations.deleteOptions(body) }, o),
        );
        const grace = options.gracePeriodSeconds === undefined ? '' : ` (grace period ${options.gracePeriodSeconds}s)`;
        return { change: { ...this.mutations.change(target, `delete ${label}${grace}`, deletionDiff(label, before, this.dryRun)), alreadyGone: false }, status };
      } catch (err) {
        if (err instanceof DroverError && err.code === 'k8s_not_found') return gone('already gone', 404);
        // A uid precondition that fails means the pod was replaced by a new one of the same name.
        if (err instanceof DroverError && err.code === 'k8s_conflict' && options.uid && /precondition/i.test(err.message)) {
          return gone(`already gone (pod uid ${options.uid} was replaced by another pod of that name, uid ${before.metadata?.uid ?? 'unknown'})`, 409);
        }
        throw err;
      }
    }).then((r) => r.change);
  }

  readPodLogs(namespace: string, pod: string, options: LogOptions = {}): Promise<string> {
    return readPodLogs(this.core, this.caller, namespace, pod, options);
  }

  // ---- Nodes

  async getNode(name: string): Promise<V1Node> {
    return (await this.caller.call({ verb: 'get', resource: 'nodes', kind: 'Node', name }, (o) => this.core.readNodeWithHttpInfo({ name }, o))).data;
  }

  async listNodes(options: ListOptions = {}): Promise<V1Node[]> {
    return (await this.caller.call({ verb: 'list', resource: 'nodes', kind: 'Node' }, (o) => this.core.listNodeWithHttpInfo({ ...options }, o))).data.items;
  }

  cordonNode(name: string): Promise<PlannedChange> {
    return this.setUnschedulable(name, true);
  }

  uncordonNode(name: string): Promise<PlannedChange> {
    return this.setUnschedulable(name, false);
  }

  /** Like kubectl cordon/uncordon: a strategic merge patch of spec.unschedulable, skipped when already there. */
  private setUnschedulable(name: string, unschedulable: boolean): Promise<PlannedChange> {
    const target: MutationTarget = { verb: 'patch', kind: 'Node', name };
    const action = unschedulable ? 'cordon' : 'uncordon';
    return this.mutations.run(target, async () => {
      const before = await this.getNode(name);
      if ((before.spec?.unschedulable === true) === unschedulable) {
        return { change: this.mutations.change(target, `${action} Node ${name}: already ${unschedulable ? 'cordoned' : 'schedulable'} (no change)`, '') };
      }
      // false is sent as null (field removed), as kubectl's two-way merge patch does.
      const body = { spec: { unschedulable: unschedulable ? true : null } };
      const { data: after, status } = await this.caller.call(
        { verb: 'patch', resource: 'nodes', kind: 'Node', name },
        (o) => this.core.patchNodeWithHttpInfo({ name, body, dryRun: this.mutations.dryRunParam }, o),
        PatchStrategy.StrategicMergePatch,
      );
      return { change: this.mutations.change(target, `${action} Node ${name}`, objectDiff(`Node ${name}`, before, after, this.dryRun)), status };
    }).then((r) => r.change);
  }

  // ---- HorizontalPodAutoscalers, volume claims, jobs

  getHpa(namespace: string, name: string): Promise<V2HorizontalPodAutoscaler> {
    return this.autoscaling.getHpa(namespace, name);
  }

  setHpaMaxReplicas(namespace: string, name: string, maxReplicas: number): Promise<PlannedChange> {
    return this.autoscaling.setHpaMaxReplicas(namespace, name, maxReplicas);
  }

  getPvc(namespace: string, name: string): Promise<V1PersistentVolumeClaim> {
    return this.storage.getPvc(namespace, name);
  }

  getStorageClass(name: string): Promise<V1StorageClass> {
    return this.storage.getStorageClass(name);
  }

  expandPvc(namespace: string, name: string, newSize: string): Promise<PlannedChange> {
    return this.storage.expandPvc(namespace, name, newSize);
  }

  getJob(namespace: string, name: string): Promise<V1Job> {
    return this.jobs.getJob(namespace, name);
  }

  listJobPods(namespace: string, job: string): Promise<V1Pod[]> {
    return this.jobs.listJobPods(namespace, job);
  }

  // ---- Any kind

  get<T extends KubeObject = KubeObject>(apiVersion: string, kind: string, name: string, options?: ObjectOptions): Promise<T> {
    return this.generic.get<T>(apiVersion, kind, name, options);
  }

  list<T extends KubeObject = KubeObject>(apiVersion: string, kind: string, options?: GenericListOptions): Promise<T[]> {
    return this.generic.list<T>(apiVersion, kind, options);
  }

  apply<T extends KubeObject = KubeObject>(manifest: KubeManifest, options?: ApplyOptions): Promise<PlannedChange & { object: T }> {
    return this.generic.apply<T>(manifest, options);
  }

  patch<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    name: string,
    patch: Record<string, unknown> | JsonPatchOperation[],
    options?: GenericPatchOptions,
  ): Promise<PlannedChange & { object: T }> {
    return this.generic.patch<T>(apiVersion, kind, name, patch, options);
  }

  // ---- Drains and rollouts

  listNodePods(node: string): Promise<V1Pod[]> {
    return this.evictions.listNodePods(node);
  }

  planDrain(node: string, options?: DrainOptions): Promise<DrainPlan> {
    return this.evictions.planDrain(node, options);
  }

  evictPod(namespace: string, name: string, options?: { uid?: string; gracePeriodSeconds?: number }): Promise<EvictionResult> {
    return this.evictions.evictPod(namespace, name, options);
  }

  rolloutStatus(namespace: string, deployment: string): Promise<RolloutStatus> {
    return this.rollouts.rolloutStatus(namespace, deployment);
  }

  pauseDeployment(namespace: string, deployment: string): Promise<PlannedChange> {
    return this.rollouts.setPaused(namespace, deployment, true);
  }

  resumeDeployment(namespace: string, deployment: string): Promise<PlannedChange> {
    return this.rollouts.setPaused(namespace, deployment, false);
  }

  // ---- Events

  async listEvents(namespace: string, involvedObject?: { kind?: string; name: string }): Promise<CoreV1Event[]> {
    const fields: string[] = [];
    if (involvedObject) {
      fields.push(`involvedObject.name=${involvedObject.name}`);
      if (involvedObject.kind) fields.push(`involvedObject.kind=${involvedObject.kind}`);
    }
    const target = { verb: 'list', resource: 'events', kind: 'Event', namespace };
    const fieldSelector = fields.length > 0 ? fields.join(',') : undefined;
    return (await this.caller.call(target, (o) => this.core.listNamespacedEventWithHttpInfo({ namespace, fieldSelector }, o))).data.items;
  }
}

/** Builds ctx.k8s for one run: bound to one cluster, dry or not. */
export function createK8sOps(options: CreateK8sOpsOptions): K8sOps {
  return new ClientK8sOps(options);
}
