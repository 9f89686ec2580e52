/**
 * startK8sFake(): wires the store, controller, registry and HTTP front,
 * listens on 127.0.0.1, and returns the control API tests drive it with.
 */
import { listen } from '../../http/listen.js';
import { createServer } from 'node:http';
import { AccessRules, FaultQueue } from './access.js';
import { DeploymentController, sameTemplate } from './deployment-controller.js';
import { Evictions } from './eviction.js';
import { dryRunOf, Handlers } from './handlers.js';
import { getPath, isObject } from './json.js';
import { controllerUidOf, timestamp } from './meta.js';
import { podForReplicaSet } from './pod-factory.js';
import { PodLogs } from './pod-logs.js';
import { Registry } from './registry.js';
import { requireResource } from './resources.js';
import { ScaleHandler } from './scale.js';
import { createRequestListener } from './server.js';
import { ObjectStore } from './store.js';
import { fakeKubeConfig, fakeKubeConfigYaml } from './kube-config.js';
import { versionProfile } from './versions.js';
import type { K8sFake, K8sFakeOptions, KubeObject, RecordedRequest, SeedObject } from './types.js';

const DEPLOYMENTS = requireResource('deployments');
const REPLICASETS = requireResource('replicasets');
const PODS = requireResource('pods');
const NODES = requireResource('nodes');

/** Typed client models to wire JSON; Dates become RFC 3339 seconds, as the server writes metav1.Time. */
function toWire(input: SeedObject): KubeObject {
  const obj = JSON.parse(
    JSON.stringify(input, function (this: Record<string, unknown>, key: string, value: unknown) {
      const original = this[key];
      return original instanceof Date ? timestamp(original) : value;
    }),
  ) as KubeObject;
  if (!obj.kind) throw new Error('k8s fake: seeded objects need a kind (e.g. kind: "Deployment")');
  obj.metadata = isObject(obj.metadata) ? obj.metadata : {};
  return obj;
}

export async function startK8sFake(options: K8sFakeOptions = {}): Promise<K8sFake> {
  const now = options.now ?? ((): Date => new Date());
  const store = new ObjectStore();
  const behaviour = { managePods: options.managePods ?? false };
  // Its own copy: the kinds this fake's CustomResourceDefinitions serve are kept per profile object.
  const profile = { ...versionProfile(options.kubernetesVersion) };
  const controller = new DeploymentController({
    store,
    now,
    instantRollout: options.instantRollout ?? true,
    managePods: behaviour.managePods,
    enabled: options.controllers ?? true,
  });
  const registry = new Registry({ store, controller, now, keepTerminatingPods: options.keepTerminatingPods ?? false, profile });
  const logs = new PodLogs();
  // 1.20 takes only policy/v1beta1 Evictions; from 1.22 both.
  const evictionVersions = profile.policyVersion === 'v1' ? ['policy/v1', 'policy/v1beta1'] : ['policy/v1beta1'];
  const evictions = new Evictions(registry, now, evictionVersions, (values) => dryRunOf('create', values));
  const handlers = new Handlers(registry, new ScaleHandler(registry), logs, store, evictions);
  const access = new AccessRules(options.authorize);
  const faults = new FaultQueue();
  const requests: RecordedRequest[] = [];
  let url = '';

  const server = createServer(
    createRequestListener({
      handlers,
      access,
      faults,
      requests,
      token: options.token,
      tokens: options.tokens,
      profile,
      user: options.user,
      maxRecordedRequests: options.maxRecordedRequests ?? 10_000,
      serverAddress: () => url.replace(/^https?:\/\//, ''),
    }),
  );
  const port = await listen(server, options.port ?? 0);
  url = `http://127.0.0.1:${port}`;

  function seed(...objects: SeedObject[]): void {
    const seeded = objects.map((o) => {
      const wire = toWire(o);
      const def = requireResource(wire.kind ?? '', profile);
      return { def, obj: registry.seed(def, wire), hadStatus: isObject(wire.status) && Object.keys(wire.status).length > 0 };
    });
    // Reconcile once everything is stored, so seeded ReplicaSets are found and adopted.
    for (const { def, obj, hadStatus } of seeded) {
      if (def === DEPLOYMENTS) controller.afterWrite('deployments', obj, undefined, hadStatus);
    }
    if (behaviour.managePods) {
      for (const { def, obj } of seeded) {
        const rs = def === REPLICASETS ? store.get(REPLICASETS, obj.metadata.namespace, obj.metadata.name ?? '') : undefined;
        if (rs) controller.syncPods(rs);
      }
    }
  }

  const fake: K8sFake = {
    url,
    get requests(): readonly RecordedRequest[] {
      return requests;
    },
    async stop(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    seed,
    get: (kind, namespace, name) => store.get(requireResource(kind, profile), namespace, name),
    list: (kind, namespace, selectors) => registry.list(requireResource(kind, profile), namespace, selectors),
    remove(kind, namespace, name) {
      const removed = store.remove(requireResource(kind, profile), namespace, name);
      if (removed) store.nextVersion();
      return removed;
    },
    clearRequests: () => {
      requests.length = 0;
    },
    failNext: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    forbid: (rule) => access.add(rule),
    clearForbidden: () => access.clear(),
    setAuthorizer: (authorize) => access.setAuthorizer(authorize),
    setPodLogs(namespace, pod, text, logOptions = {}) {
      let container = logOptions.container;
      if (!container) {
        const containers = getPath(store.get(PODS, namespace, pod), 'spec', 'containers');
        const first = Array.isArray(containers) ? getPath(containers[0], 'name') : undefined;
        container = typeof first === 'string' ? first : 'app';
      }
      logs.set(namespace, pod, container, text, logOptions.previous === true);
    },
    seedPodsFor(namespace, deployment, count, podOptions = {}) {
      const d = store.get(DEPLOYMENTS, namespace, deployment);
      if (!d) throw new Error(`k8s fake: no deployment ${namespace}/${deployment} to seed pods for`);
      controller.reconcile(namespace, deployment, true);
      const rs = store
        .list(REPLICASETS, namespace)
        .find((r) => controllerUidOf(r) === d.metadata.uid && sameTemplate(getPath(r, 'spec', 'template'), getPath(d, 'spec', 'template')));
      if (!rs) throw new Error(`k8s fake: deployment ${namespace}/${deployment} has no current ReplicaSet (is it paused?)`);
      const nodeNames = podOptions.nodeNames ?? store.list(NODES).map((n) => n.metadata.name ?? '');
      const pods: KubeObject[] = [];
      for (let i = 0; i < count; i++) {
        const nodeName = nodeNames.length > 0 ? nodeNames[i % nodeNames.length] : undefined;
        const pod = podForReplicaSet(rs, {
          ...(nodeName ? { nodeName } : {}),
          ...(podOptions.phase ? { phase: podOptions.phase } : {}),
          ...(podOptions.ready === undefined ? {} : { ready: podOptions.ready }),
          ...(podOptions.restartCount === undefined ? {} : { restartCount: podOptions.restartCount }),
          now: now(),
          index: i,
        });
        pods.push(registry.seed(PODS, pod));
      }
      return pods;
    },
    setBehaviour(change) {
      controller.setBehaviour(change);
      if (change.managePods !== undefined) behaviour.managePods = change.managePods;
      if (change.keepTerminatingPods !== undefined) registry.setKeepTerminatingPods(change.keepTerminatingPods);
      if (change.managePods) for (const rs of store.list(REPLICASETS)) controller.syncPods(rs);
    },
    resourceVersion: () => store.currentVersion(),
    kubeConfig: (kcOptions) => fakeKubeConfig(url, options.token, kcOptions),
    kubeConfigYaml: (kcOptions) => fakeKubeConfigYaml(url, options.token, kcOptions),
  };
  if (options.seed) seed(...options.seed);
  return fake;
}
