/**
 * The sandbox cluster Drover starts against when there is no kubeconfig:
 * namespace `demo` with deployments `web` (3 pods over two nodes) and `api`
 * (2 pods, one crash-looping since its release 1.4.2, revision 2; revision 1,
 * 1.4.1, is there to roll back to), a PodDisruptionBudget keeping 2 of web's
 * pods up (drain-node honours it), a bare pod `debug-shell`, events and logs;
 * plus the alert-runbook examples of sandbox-alerts.ts (HPA shop/web at its
 * max, PVCs demo/data and demo/logs, the failed Job demo/nightly-report).
 */
import { clone, getPath } from './json.js';
import { timestamp } from './meta.js';
import { alertExampleLogs, alertExamples } from './sandbox-alerts.js';
import { deployment, event, node, pod, replicaSetFor } from './sandbox-objects.js';
import type { K8sFake, KubeObject } from './types.js';

const NS = 'demo';

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

/**
 * The ReplicaSet of a deployment's previous release (another image, scaled to
 * 0, revision 1); the deployment and its current ReplicaSet become revision 2.
 */
function previousRelease(d: KubeObject, current: KubeObject, image: string, uid: string): KubeObject {
  const older = clone(d);
  const containers = getPath(older, 'spec', 'template', 'spec', 'containers') as Record<string, unknown>[];
  containers[0] = { ...containers[0], image };
  const rs = replicaSetFor(older, uid);
  (rs.spec as Record<string, unknown>).replicas = 0;
  rs.status = { replicas: 0, observedGeneration: 1 };
  for (const o of [d, current]) o.metadata.annotations = { ...o.metadata.annotations, 'deployment.kubernetes.io/revision': '2' };
  return rs;
}

/**
 * A PodDisruptionBudget keeping 2 of the deployment's 3 pods up, with the
 * status the disruption controller computes (the fake keeps it current).
 */
function webBudget(d: KubeObject, created: string): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: d.metadata.name, namespace: d.metadata.namespace, uid: '00000000-0000-4000-8000-000000000301', generation: 1, creationTimestamp: created },
    spec: { minAvailable: 2, selector: { matchLabels: { app: d.metadata.name ?? '' } } },
    status: { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 },
  };
}

/** The sandbox objects, deterministic names and uids; timestamps relative to `now`. */
export function sandboxSeed(now: Date = new Date()): KubeObject[] {
  const created = timestamp(new Date(now.getTime() - 3 * 24 * 3600 * 1000));
  const recent = timestamp(new Date(now.getTime() - 10 * 60 * 1000));
  const web = deployment(NS, 'web', 3, 'nginx:1.27', 80, '00000000-0000-4000-8000-000000000101', created);
  const api = deployment(NS, 'api', 2, 'ghcr.io/drover/demo-api:1.4.2', 8080, '00000000-0000-4000-8000-000000000102', created);
  const webRs = replicaSetFor(web, '00000000-0000-4000-8000-000000000201');
  const apiRs = replicaSetFor(api, '00000000-0000-4000-8000-000000000202');
  // api's previous release, scaled down when 1.4.2 rolled out: what rollback-deployment goes back to.
  const apiPrevious = previousRelease(api, apiRs, 'ghcr.io/drover/demo-api:1.4.1', '00000000-0000-4000-8000-000000000203');
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
    apiPrevious,
    ...webPods,
    ...apiPods,
    debug,
    webBudget(web, created),
    event('scale1', web, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${webRs.metadata.name} to 3`, 'deployment-controller', created),
    event('sched1', webPods[2] as KubeObject, 'Normal', 'Scheduled', `Successfully assigned demo/${webPods[2]?.metadata.name} to node-b`, 'default-scheduler', created),
    event('pulled1', webPods[2] as KubeObject, 'Normal', 'Pulled', 'Container image "nginx:1.27" already present on machine', 'kubelet', created),
    event('started1', webPods[2] as KubeObject, 'Normal', 'Started', 'Started container web', 'kubelet', created),
    event('backoff1', crashing, 'Warning', 'BackOff', `Back-off restarting failed container api in pod ${crashing.metadata.name}_demo(${crashing.metadata.uid})`, 'kubelet', recent, 4),
    event('unhealthy1', crashing, 'Warning', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503', 'kubelet', recent, 7),
    ...alertExamples(now, created, recent),
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
    // Access logs for both web deployments (demo/web and shop/web).
    if (name.startsWith('web-')) {
      fake.setPodLogs(obj.metadata.namespace ?? NS, name, [
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
  for (const { namespace, pod: name, lines } of alertExampleLogs()) fake.setPodLogs(namespace, name, lines);
}
