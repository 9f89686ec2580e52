/**
 * Sandbox objects for trying the kube-prometheus alert runbooks:
 * - KubeHpaMaxedOut: namespace `shop`, Deployment `web` (6 pods) scaled by
 *   HPA `web` (min 2, max 6) sitting at its maximum. It has its own namespace
 *   because demo/web stays at 3 replicas, and an HPA at 6 cannot target that.
 * - KubePersistentVolumeFillingUp: in `demo`, PVC `data` (10Gi, StorageClass
 *   `standard-expandable`, allowVolumeExpansion: true) and PVC `logs` (5Gi,
 *   StorageClass `fixed`, which cannot expand).
 * - KubeJobFailed: in `demo`, Job `nightly-report` (backoffLimit 1) failed
 *   with BackoffLimitExceeded after two pods failed; both have logs. The
 *   pods use restartPolicy Never, as failed jobs whose logs survive do, so
 *   the warning is the Job's (BackoffLimitExceeded), not a kubelet BackOff.
 */
import { controllerRef, timestamp } from './meta.js';
import { deployment, event, pod, replicaSetFor } from './sandbox-objects.js';
import type { KubeObject } from './types.js';

const DEMO = 'demo';
const SHOP = 'shop';

export interface SandboxLogs {
  namespace: string;
  pod: string;
  lines: string[];
}

function uid(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

function hpaMaxedOut(created: string, recent: string, now: Date): KubeObject[] {
  const web = deployment(SHOP, 'web', 6, 'ghcr.io/drover/demo-shop:2.1.0', 8080, uid(103), created);
  const container = (web.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0];
  if (container) container.resources = { requests: { cpu: '500m', memory: '256Mi' }, limits: { memory: '512Mi' } };
  const rs = replicaSetFor(web, uid(203));
  const suffixes = ['b4kx9', 'c7m2q', 'd9p5w', 'f2t8z', 'g6v3n', 'h8w4r'];
  const pods = suffixes.map((suffix, i) => {
    const p = pod(rs, suffix, i % 2 === 0 ? 'node-a' : 'node-b', 11 + i, now);
    (p.status as Record<string, unknown>).qosClass = 'Burstable';
    return p;
  });
  const condition = (type: string, reason: string, message: string): Record<string, string> => ({ type, status: 'True', lastTransitionTime: recent, reason, message });
  const hpa: KubeObject = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: SHOP, uid: uid(301), creationTimestamp: created },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 6,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    },
    status: {
      currentReplicas: 6,
      desiredReplicas: 6,
      lastScaleTime: recent,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 93, averageValue: '465m' } } }],
      conditions: [
        condition('AbleToScale', 'ReadyForNewScale', 'recommended size matches current size'),
        condition('ScalingActive', 'ValidMetricFound', 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)'),
        condition('ScalingLimited', 'TooManyReplicas', 'the desired replica count is more than the maximum replica count'),
      ],
    },
  };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SHOP, creationTimestamp: created } },
    web,
    rs,
    ...pods,
    hpa,
    event('rescale1', hpa, 'Normal', 'SuccessfulRescale', 'New size: 6; reason: cpu resource utilization (percentage of request) above target', 'horizontal-pod-autoscaler', recent),
  ];
}

/** A claim the PV controller bound to a dynamically provisioned volume. */
function boundClaim(name: string, size: string, storageClass: string, provisioner: string, id: number, created: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name,
      namespace: DEMO,
      uid: uid(id),
      creationTimestamp: created,
      finalizers: ['kubernetes.io/pvc-protection'],
      annotations: {
        'pv.kubernetes.io/bind-completed': 'yes',
        'pv.kubernetes.io/bound-by-controller': 'yes',
        'volume.beta.kubernetes.io/storage-provisioner': provisioner,
        'volume.kubernetes.io/storage-provisioner': provisioner,
      },
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: size } },
      storageClassName: storageClass,
      volumeMode: 'Filesystem',
      volumeName: `pvc-${uid(id)}`,
    },
    status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: size } },
  };
}

function volumesFillingUp(created: string): KubeObject[] {
  return [
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'standard-expandable', uid: uid(501), creationTimestamp: created, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3' },
      allowVolumeExpansion: true,
      volumeBindingMode: 'WaitForFirstConsumer',
    },
    // No allowVolumeExpansion: the API server refuses to grow its claims.
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'fixed', uid: uid(502), creationTimestamp: created },
      provisioner: 'rancher.io/local-path',
      volumeBindingMode: 'WaitForFirstConsumer',
    },
    boundClaim('data', '10Gi', 'standard-expandable', 'ebs.csi.aws.com', 401, created),
    boundClaim('logs', '5Gi', 'fixed', 'rancher.io/local-path', 402, created),
  ];
}

const JOB_LOG = [
  'level=info msg="nightly report starting" since=24h',
  'level=info msg="collected orders" count=18234',
  'level=error msg="query failed" err="pq: canceling statement due to statement timeout" query=revenue_by_region',
  'level=fatal msg="report failed" exit=1',
];

function failedPod(job: KubeObject, suffix: string, nodeName: string, id: number, at: string): KubeObject {
  const name = `nightly-report-${suffix}`;
  const labels = { ...(job.metadata.labels ?? {}) };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, generateName: 'nightly-report-', namespace: DEMO, uid: `00000000-0000-4000-9000-${String(id).padStart(12, '0')}`, creationTimestamp: at, labels, ownerReferences: [controllerRef(job)] },
    spec: { nodeName, restartPolicy: 'Never', containers: [{ name: 'report', image: 'ghcr.io/drover/nightly-report:2.3.0', args: ['--since=24h'] }] },
    status: {
      phase: 'Failed',
      hostIP: nodeName === 'node-a' ? '10.0.0.11' : '10.0.0.12',
      startTime: at,
      qosClass: 'BestEffort',
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: at },
        { type: 'Initialized', status: 'True', lastTransitionTime: at },
        { type: 'ContainersReady', status: 'False', lastTransitionTime: at, reason: 'PodFailed' },
        { type: 'Ready', status: 'False', lastTransitionTime: at, reason: 'PodFailed' },
      ],
      containerStatuses: [
        {
          name: 'report',
          image: 'ghcr.io/drover/nightly-report:2.3.0',
          imageID: '',
          ready: false,
          started: false,
          restartCount: 0,
          state: { terminated: { exitCode: 1, reason: 'Error', startedAt: at, finishedAt: at } },
        },
      ],
    },
  };
}

function jobFailed(now: Date): KubeObject[] {
  const at = (minutesAgo: number): string => timestamp(new Date(now.getTime() - minutesAgo * 60_000));
  const jobUid = uid(601);
  const labels = {
    'batch.kubernetes.io/controller-uid': jobUid,
    'batch.kubernetes.io/job-name': 'nightly-report',
    'controller-uid': jobUid,
    'job-name': 'nightly-report',
  };
  const job: KubeObject = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'nightly-report', namespace: DEMO, uid: jobUid, creationTimestamp: at(95), labels },
    spec: {
      backoffLimit: 1,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': jobUid } },
      template: {
        metadata: { labels },
        spec: { restartPolicy: 'Never', containers: [{ name: 'report', image: 'ghcr.io/drover/nightly-report:2.3.0', args: ['--since=24h'] }] },
      },
    },
    status: {
      failed: 2,
      ready: 0,
      terminating: 0,
      startTime: at(95),
      uncountedTerminatedPods: {},
      conditions: [
        { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastProbeTime: at(92), lastTransitionTime: at(92) },
      ],
    },
  };
  const first = failedPod(job, '7vq2n', 'node-b', 21, at(95));
  const retry = failedPod(job, 'kx9tz', 'node-a', 22, at(94));
  return [
    job,
    first,
    retry,
    event('create1', job, 'Normal', 'SuccessfulCreate', `Created pod: ${first.metadata.name}`, 'job-controller', at(95)),
    event('create2', job, 'Normal', 'SuccessfulCreate', `Created pod: ${retry.metadata.name}`, 'job-controller', at(94)),
    event('backoff1', job, 'Warning', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', 'job-controller', at(92)),
    event('sched1', retry, 'Normal', 'Scheduled', `Successfully assigned demo/${retry.metadata.name} to node-a`, 'default-scheduler', at(94)),
    event('pulled1', retry, 'Normal', 'Pulled', 'Container image "ghcr.io/drover/nightly-report:2.3.0" already present on machine', 'kubelet', at(94)),
    event('started1', retry, 'Normal', 'Started', 'Started container report', 'kubelet', at(94)),
  ];
}

/** The alert-runbook examples, deterministic names and uids; timestamps relative to `now`. */
export function alertExamples(now: Date, created: string, recent: string): KubeObject[] {
  return [...hpaMaxedOut(created, recent, now), ...volumesFillingUp(created), ...jobFailed(now)];
}

/** Logs of the failed job's pods. */
export function alertExampleLogs(): SandboxLogs[] {
  return ['nightly-report-7vq2n', 'nightly-report-kx9tz'].map((pod) => ({ namespace: DEMO, pod, lines: JOB_LOG }));
}
