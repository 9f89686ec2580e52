/**
 * Seeds real objects with an admin client-node client (not Drover's code).
 * What no controller here does (there is no scheduler, kubelet, volume
 * binder or HPA controller) is written through the /status subresources:
 * a bound claim, a failed pod, a node's Ready condition, an HPA's status.
 */
import { AppsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions, StorageV1Api, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import type { RealKube } from '../cluster.js';
import { waitFor } from '../../support/wait-for.js';

const WAIT_MS = 30_000;

/** JSON patch adding (or replacing) the whole status. */
const setStatus = (status: object) => [{ op: 'add', path: '/status', value: status }];

export class Seeder {
  private readonly apps: AppsV1Api;
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;
  private readonly storage: StorageV1Api;
  private readonly custom: CustomObjectsApi;

  constructor(
    kube: RealKube,
    /** The test's fresh namespace; cluster-scoped objects are named after it too. */
    readonly namespace: string,
  ) {
    const kc = kube.kubeConfig();
    this.apps = kc.makeApiClient(AppsV1Api);
    this.batch = kc.makeApiClient(BatchV1Api);
    this.core = kc.makeApiClient(CoreV1Api);
    this.storage = kc.makeApiClient(StorageV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  /** A Deployment, once the controllers have made its ReplicaSet and all its Pods (Pending: nothing schedules them). */
  async deployment(name: string, replicas: number): Promise<{ deployment: V1Deployment; pods: V1Pod[] }> {
    const { namespace } = this;
    const labels = { app: name };
    const deployment = await this.apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name, labels },
        spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'main', image: 'registry.example/web:1.0' }] } } },
      },
    });
    const pods = await waitFor(async () => {
      const list = (await this.core.listNamespacedPod({ namespace, labelSelector: `app=${name}` })).items;
      return list.length === replicas ? list : undefined;
    }, `${replicas} pods of Deployment ${namespace}/${name}`, WAIT_MS);
    await waitFor(async () => {
      const d = await this.apps.readNamespacedDeployment({ name, namespace });
      return d.status?.observedGeneration === d.metadata?.generation && d.status?.replicas === replicas;
    }, `Deployment ${namespace}/${name} to report its pods`, WAIT_MS);
    return { deployment, pods };
  }

  /** A Deployment at revision 2: created with web:1.0, then its image changed to web:2.0, both ReplicaSets made. */
  async twoRevisions(name: string, replicas: number): Promise<void> {
    const { namespace } = this;
    await this.deployment(name, replicas);
    await this.apps.patchNamespacedDeployment(
      { name, namespace, body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'registry.example/web:2.0' }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    await waitFor(async () => {
      const d = await this.apps.readNamespacedDeployment({ name, namespace });
      const rs = (await this.apps.listNamespacedReplicaSet({ namespace, labelSelector: `app=${name}` })).items;
      return d.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '2' && d.status?.observedGeneration === d.metadata?.generation && rs.length === 2;
    }, `Deployment ${namespace}/${name} at revision 2`, WAIT_MS);
  }

  /** Sets spec.paused of a Deployment, as kubectl rollout pause does, and waits for the controller to see it. */
  async pause(name: string): Promise<void> {
    const { namespace } = this;
    await this.apps.patchNamespacedDeployment({ name, namespace, body: { spec: { paused: true } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await waitFor(async () => {
      const d = await this.apps.readNamespacedDeployment({ name, namespace });
      return d.status?.observedGeneration === d.metadata?.generation;
    }, `Deployment ${namespace}/${name} paused`, WAIT_MS);
  }

  /** Binds a pod to a node, as the scheduler does (POST pods/{name}/binding). */
  async bind(pod: string, node: string): Promise<void> {
    await this.core.createNamespacedPodBinding({ name: pod, namespace: this.namespace, body: { metadata: { name: pod }, target: { apiVersion: 'v1', kind: 'Node', name: node } } }).catch((err: unknown) => {
      // The server answers a Status, which the generated client may fail to read as a Binding; the binding is made.
      if (!(err instanceof Error) || !/Status|parse|deserial/i.test(err.message)) throw err;
    });
  }

  /**
   * A node with what a drain meets: the pods of Deployment `web` (bound to it)
   * and a DaemonSet's pod. Nothing runs them (no kubelet): they stay Pending,
   * so their eviction needs no PodDisruptionBudget's leave.
   */
  async nodeToDrain(suffix: string): Promise<{ node: string; pods: string[]; daemonPod: string }> {
    const node = await this.node(suffix, 'True');
    const { pods } = await this.deployment('web', 2);
    for (const p of pods) await this.bind(p.metadata!.name!, node);
    const ds = await this.apps.createNamespacedDaemonSet({
      namespace: this.namespace,
      body: {
        metadata: { name: 'agent' },
        spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'main', image: 'registry.example/agent:1.0' }] } } },
      },
    });
    const daemonPod = 'agent-x1';
    await this.core.createNamespacedPod({
      namespace: this.namespace,
      body: {
        metadata: { name: daemonPod, labels: { app: 'agent' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: ds.metadata!.uid!, controller: true }] },
        spec: { nodeName: node, containers: [{ name: 'main', image: 'registry.example/agent:1.0' }] },
      },
    });
    return { node, pods: pods.map((p) => p.metadata!.name!).sort(), daemonPod };
  }

  /** Marks pods Running and Ready through /status, as a kubelet would report them. */
  async running(pods: string[]): Promise<void> {
    const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    for (const name of pods) {
      await this.core.patchNamespacedPodStatus({
        name,
        namespace: this.namespace,
        body: setStatus({ phase: 'Running', startTime: at, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at }] }),
      });
    }
  }

  /**
   * A policy/v1beta1 PodDisruptionBudget over `app=<app>` with the status the
   * disruption controller (not run here) would compute: `allowed` disruptions.
   */
  async pdb(name: string, app: string, allowed: number, healthy: number): Promise<void> {
    const ref = { group: 'policy', version: 'v1beta1', namespace: this.namespace, plural: 'poddisruptionbudgets' };
    await this.custom.createNamespacedCustomObject({
      ...ref,
      body: { apiVersion: 'policy/v1beta1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { minAvailable: healthy - allowed, selector: { matchLabels: { app } } } },
    });
    await this.custom.patchNamespacedCustomObjectStatus({
      ...ref,
      name,
      body: setStatus({ observedGeneration: 1, disruptionsAllowed: allowed, currentHealthy: healthy, desiredHealthy: healthy - allowed, expectedPods: healthy }),
    });
  }

  /** A pod no controller owns. */
  async barePod(name: string, nodeName?: string): Promise<V1Pod> {
    return this.core.createNamespacedPod({
      namespace: this.namespace,
      body: { metadata: { name }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'main', image: 'registry.example/tool:1.0' }] } },
    });
  }

  /** Marks a node unschedulable, as kubectl cordon does. */
  async cordon(node: string): Promise<void> {
    await this.core.patchNode({ name: node, body: { spec: { unschedulable: true } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  }

  /** A Node named `<namespace>-<suffix>` with its Ready condition set. */
  async node(suffix: string, ready: 'True' | 'False' | 'Unknown'): Promise<string> {
    const name = `${this.namespace}-${suffix}`;
    await this.core.createNode({ body: { metadata: { name, labels: { 'kubernetes.io/hostname': name } } } });
    const reason = ready === 'True' ? 'KubeletReady' : 'KubeletNotReady';
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await this.core.patchNodeStatus({
      name,
      body: setStatus({ conditions: [{ type: 'Ready', status: ready, reason, message: `seeded: Ready=${ready}`, lastHeartbeatTime: now, lastTransitionTime: now }] }),
    });
    return name;
  }

  /** An autoscaling/v2beta2 HPA on a Deployment, its status saying it runs `current` replicas. */
  async hpa(name: string, deployment: string, spec: { min: number; max: number; current: number }): Promise<void> {
    const ref = { group: 'autoscaling', version: 'v2beta2', namespace: this.namespace, plural: 'horizontalpodautoscalers' };
    await this.custom.createNamespacedCustomObject({
      ...ref,
      body: {
        apiVersion: 'autoscaling/v2beta2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment },
          minReplicas: spec.min,
          maxReplicas: spec.max,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
        },
      },
    });
    await this.custom.patchNamespacedCustomObjectStatus({
      ...ref,
      name,
      body: setStatus({ currentReplicas: spec.current, desiredReplicas: spec.current, conditions: [] }),
    });
  }

  /** A StorageClass named `<namespace>-<suffix>`. */
  async storageClass(suffix: string, allowVolumeExpansion: boolean): Promise<string> {
    const name = `${this.namespace}-${suffix}`;
    await this.storage.createStorageClass({ body: { metadata: { name }, provisioner: 'example.com/seeded', allowVolumeExpansion } });
    return name;
  }

  /**
   * A claim bound to its own PersistentVolume. No binder runs here, so the
   * binding is written as the PV controller would: volumeName and claimRef
   * on the objects, phase Bound and capacity through /status. The API server
   * only lets a bound claim grow.
   */
  async boundClaim(name: string, storageClassName: string, size: string): Promise<void> {
    const { namespace } = this;
    const pv = `${namespace}-${name}`;
    await this.core.createPersistentVolume({
      body: {
        metadata: { name: pv },
        spec: {
          capacity: { storage: size },
          accessModes: ['ReadWriteOnce'],
          storageClassName,
          persistentVolumeReclaimPolicy: 'Delete',
          hostPath: { path: `/tmp/${pv}` },
          claimRef: { namespace, name },
        },
      },
    });
    await this.core.createNamespacedPersistentVolumeClaim({
      namespace,
      body: { metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], storageClassName, volumeName: pv, resources: { requests: { storage: size } } } },
    });
    await this.core.patchNamespacedPersistentVolumeClaimStatus({
      name,
      namespace,
      body: setStatus({ phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: size } }),
    });
    await this.core.patchPersistentVolumeStatus({ name: pv, body: setStatus({ phase: 'Bound' }) });
  }

  /**
   * A Job that failed: its pod (made by the Job controller) is marked Failed
   * through /status with an exit code, and the controller, with backoffLimit 0,
   * marks the Job failed.
   */
  async failedJob(name: string): Promise<{ pod: V1Pod }> {
    const { namespace } = this;
    await this.batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name },
        spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'registry.example/report:1.0' }] } } },
      },
    });
    const pod = await waitFor(async () => (await this.core.listNamespacedPod({ namespace, labelSelector: `job-name=${name}` })).items[0], `the pod of Job ${namespace}/${name}`, WAIT_MS);
    const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await this.core.patchNamespacedPodStatus({
      name: pod.metadata!.name!,
      namespace,
      body: setStatus({
        phase: 'Failed',
        reason: 'Error',
        startTime: at,
        conditions: [{ type: 'Ready', status: 'False', reason: 'PodFailed', lastTransitionTime: at }],
        containerStatuses: [
          { name: 'main', image: 'registry.example/report:1.0', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error', startedAt: at, finishedAt: at } } },
        ],
      }),
    });
    await waitFor(async () => ((await this.batch.readNamespacedJob({ name, namespace })).status?.failed ?? 0) >= 1, `Job ${namespace}/${name} to count its failed pod`, WAIT_MS);
    return { pod };
  }

  /** A core/v1 Event about an object, as a kubelet or controller would record it. */
  async event(involved: { kind: string; name: string; uid?: string; apiVersion?: string }, type: 'Warning' | 'Normal', reason: string, message: string): Promise<void> {
    const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await this.core.createNamespacedEvent({
      namespace: this.namespace,
      body: {
        metadata: { generateName: `${involved.name}.` },
        involvedObject: { ...involved, namespace: this.namespace },
        type,
        reason,
        message,
        source: { component: 'seeded' },
        firstTimestamp: new Date(at),
        lastTimestamp: new Date(at),
        count: 1,
      },
    });
  }
}

/** Lets `user` get, list and watch everything in the cluster, and change nothing. */
export async function grantReadOnly(kube: RealKube, user: string): Promise<void> {
  const rbac = kube.kubeConfig().makeApiClient(RbacAuthorizationV1Api);
  const name = `drover-test-read-only-${user}`;
  await rbac.createClusterRole({ body: { metadata: { name }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] }] } });
  await rbac.createClusterRoleBinding({
    body: { metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }] },
  });
}
