/**
 * The sandbox cluster Drover starts against when there is no kubeconfig:
 * namespace `demo` with deployments `web` (3 pods over two nodes) and `api`
 * (2 pods, one crash-looping), a bare pod `debug-shell`, events and logs.
 */
import { applyDefaults } from './defaults.js';
import { HASH_LABEL, podTemplateHash, REVISION_ANNOTATION } from './deployment-controller.js';
import { clone, getPath } from './json.js';
import { controllerRef, timestamp } from './meta.js';
import { podForReplicaSet } from './pod-factory.js';
import { requireResource } from './resources.js';
import type { K8sFake, KubeObject } from './types.js';

const NS = 'demo';

function node(name: string, ip: string, created: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `00000000-0000-4000-8000-00000000000${name === 'node-a' ? 'a' : 'b'}`, creationTimestamp: created, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' } },
    spec: { podCIDR: name === 'node-a' ? '10.244.0.0/24' : '10.244.1.0/24' },
    status: {
      capacity: { cpu: '4', memory: '16374584Ki', pods: '110' },
      allocatable: { cpu: '4', memory: '16272184Ki', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: created, lastTransitionTime: created }],
      addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }],
      nodeInfo: { kubeletVersion: 'v1.31.0', containerRuntimeVersion: 'containerd://1.7.18', osImage: 'Ubuntu 24.04 LTS', operatingSystem: 'linux', architecture: 'amd64', kernelVersion: '6.8.0', kubeProxyVersion: 'v1.31.0', machineID: '', systemUUID: '', bootID: '' },
    },
  };
}

function deployment(name: string, replicas: number, image: string, port: number, uid: string, created: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, uid, creationTimestamp: created, labels: { app: name }, annotations: { [REVISION_ANNOTATION]: '1' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image, ports: [{ containerPort: port }] }] },
      },
    },
  };
}

/** The ReplicaSet the controller would have made for revision 1, with the hash it would compute. */
function replicaSetFor(d: KubeObject, uid: string): KubeObject {
  const defaulted = clone(d);
  applyDefaults(requireResource('deployments'), defaulted);
  const template = clone(getPath(defaulted, 'spec', 'template')) as KubeObject;
  const hash = podTemplateHash(template);
  const labels = { ...(template.metadata.labels ?? {}), [HASH_LABEL]: hash };
  template.metadata = { ...template.metadata, labels };
  const replicas = getPath(d, 'spec', 'replicas') as number;
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: NS,
      uid,
      creationTimestamp: d.metadata.creationTimestamp,
      labels,
      annotations: { [REVISION_ANNOTATION]: '1' },
      ownerReferences: [controllerRef(d)],
    },
    spec: { replicas, selector: { matchLabels: { app: d.metadata.name ?? '', [HASH_LABEL]: hash } }, template },
  };
}

function pod(rs: KubeObject, suffix: string, nodeName: string, index: number, now: Date, restartCount = 0): KubeObject {
  const p = podForReplicaSet(rs, { nodeName, now, index, restartCount });
  p.metadata.name = `${rs.metadata.name}-${suffix}`;
  p.metadata.uid = `00000000-0000-4000-9000-${String(index).padStart(12, '0')}`;
  return p;
}

/** Marks a pod's only container as crash-looping (restarts, last exit 1, not ready). */
function crashLooping(p: KubeObject, at: string): void {
  const status = p.status as Record<string, unknown>;
  const statuses = status.containerStatuses as Record<string, unknown>[];
  const first = statuses[0];
  if (first) {
    first.ready = false;
    first.started = false;
    first.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off 2m40s restarting failed container=api pod=${p.metadata.name}_demo(${p.metadata.uid})` } };
    first.lastState = { terminated: { exitCode: 1, reason: 'Error', startedAt: at, finishedAt: at } };
  }
  status.conditions = (status.conditions as Record<string, unknown>[]).map((c) =>
    c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [api]' } : c,
  );
}

function event(name: string, involved: KubeObject, type: string, reason: string, message: string, component: string, at: string, count = 1): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${involved.metadata.name}.${name}`, namespace: NS, creationTimestamp: at },
    involvedObject: { kind: involved.kind, namespace: NS, name: involved.metadata.name, uid: involved.metadata.uid, apiVersion: involved.apiVersion },
    type,
    reason,
    message,
    source: { component },
    reportingComponent: component,
    firstTimestamp: at,
    lastTimestamp: at,
    count,
  };
}

/** The sandbox objects, deterministic names and uids; timestamps relative to `now`. */
export function sandboxSeed(now: Date = new Date()): KubeObject[] {
  const created = timestamp(new Date(now.getTime() - 3 * 24 * 3600 * 1000));
  const recent = timestamp(new Date(now.getTime() - 10 * 60 * 1000));
  const web = deployment('web', 3, 'nginx:1.27', 80, '00000000-0000-4000-8000-000000000101', created);
  const api = deployment('api', 2, 'ghcr.io/drover/demo-api:1.4.2', 8080, '00000000-0000-4000-8000-000000000102', created);
  const webRs = replicaSetFor(web, '00000000-0000-4000-8000-000000000201');
  const apiRs = replicaSetFor(api, '00000000-0000-4000-8000-000000000202');
  const webPods = [pod(webRs, 'x7k2p', 'node-a', 1, now), pod(webRs, 'q4m9d', 'node-a', 2, now), pod(webRs, 'z5b8n', 'node-b', 3, now)];
  const apiPods = [pod(apiRs, 'h2c6v', 'node-a', 4, now), pod(apiRs, 'r9t4w', 'node-b', 5, now, 4)];
  const crashing = apiPods[1] as KubeObject;
  crashLooping(crashing, recent);
  api.status = { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 1 };
  const debug: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'debug-shell', namespace: NS, uid: '00000000-0000-4000-9000-000000000099', creationTimestamp: recent, labels: { run: 'debug-shell' } },
    spec: { nodeName: 'node-b', restartPolicy: 'Never', containers: [{ name: 'debug-shell', image: 'busybox:1.36', command: ['sleep', '3600'] }] },
    status: { phase: 'Running', podIP: '10.244.1.99', hostIP: '10.0.0.12', startTime: recent, qosClass: 'BestEffort' },
  };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, creationTimestamp: created } },
    node('node-a', '10.0.0.11', created),
    node('node-b', '10.0.0.12', created),
    web,
    api,
    webRs,
    apiRs,
    ...webPods,
    ...apiPods,
    debug,
    event('scale1', web, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${webRs.metadata.name} to 3`, 'deployment-controller', created),
    event('sched1', webPods[2] as KubeObject, 'Normal', 'Scheduled', `Successfully assigned demo/${webPods[2]?.metadata.name} to node-b`, 'default-scheduler', created),
    event('pulled1', webPods[2] as KubeObject, 'Normal', 'Pulled', 'Container image "nginx:1.27" already present on machine', 'kubelet', created),
    event('started1', webPods[2] as KubeObject, 'Normal', 'Started', 'Started container web', 'kubelet', created),
    event('backoff1', crashing, 'Warning', 'BackOff', `Back-off restarting failed container api in pod ${crashing.metadata.name}_demo(${crashing.metadata.uid})`, 'kubelet', recent, 4),
    event('unhealthy1', crashing, 'Warning', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503', 'kubelet', recent, 7),
  ];
}

/**
 * Seeds the sandbox into a running fake, with logs to read, and turns on the
 * fake's pod controller so deleted pods come back and scaling adds pods.
 */
export function seedSandbox(fake: K8sFake, now: Date = new Date()): void {
  const objects = sandboxSeed(now);
  fake.seed(...objects);
  fake.setBehaviour({ managePods: true });
  for (const obj of objects) {
    if (obj.kind !== 'Pod') continue;
    const name = obj.metadata.name ?? '';
    if (name.startsWith('web-')) {
      fake.setPodLogs(NS, name, [
        '10.244.0.1 - - "GET / HTTP/1.1" 200 615 "-" "kube-probe/1.31"',
        '10.244.1.7 - - "GET /api/orders HTTP/1.1" 502 157 "-" "Mozilla/5.0"',
        '10.244.0.1 - - "GET / HTTP/1.1" 200 615 "-" "kube-probe/1.31"',
      ]);
    } else if (name.startsWith('api-')) {
      fake.setPodLogs(NS, name, ['level=info msg="listening on :8080"', 'level=info msg="connected to database"']);
      if (name.endsWith('r9t4w')) {
        fake.setPodLogs(NS, name, ['level=info msg="listening on :8080"', 'level=error msg="database connection refused" host=db:5432', 'level=fatal msg="exiting"'], { previous: true });
      }
    } else if (name === 'debug-shell') {
      fake.setPodLogs(NS, name, []);
    }
  }
}
