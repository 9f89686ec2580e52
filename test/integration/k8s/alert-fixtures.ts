/**
 * Wire-form fixtures for the alert runbooks' resources: HPAs, StorageClasses,
 * bound PVCs, Jobs and their pods.
 */
import type { KubeObject } from '../../../src/testing/index.js';

export function hpa(name: string, options: { namespace?: string; min?: number; max?: number; current?: number } = {}): KubeObject {
  const max = options.max ?? 10;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: options.namespace ?? 'demo' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas: options.min ?? 2, maxReplicas: max },
    status: { currentReplicas: options.current ?? max, desiredReplicas: options.current ?? max },
  };
}

export function storageClass(name: string, allowVolumeExpansion?: boolean): KubeObject {
  const sc: KubeObject = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner: 'ebs.csi.aws.com' };
  if (allowVolumeExpansion !== undefined) sc.allowVolumeExpansion = allowVolumeExpansion;
  return sc;
}

export function pvc(name: string, size: string, storageClassName: string | undefined, options: { namespace?: string; phase?: string } = {}): KubeObject {
  const phase = options.phase ?? 'Bound';
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: options.namespace ?? 'demo' },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: size } },
      ...(storageClassName === undefined ? {} : { storageClassName }),
      ...(phase === 'Bound' ? { volumeName: `pvc-${name}` } : {}),
    },
    status: phase === 'Bound' ? { phase, accessModes: ['ReadWriteOnce'], capacity: { storage: size } } : { phase },
  };
}

export function job(name: string, namespace = 'demo'): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace, uid: `job-uid-${name}` },
    spec: {
      backoffLimit: 0,
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36' }] } },
    },
    status: { failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }] },
  };
}

/** A failed pod of a job, labelled the way the given cluster generation labels them. */
export function jobPod(name: string, jobName: string, labels: 'both' | 'new' | 'legacy', created: string, namespace = 'demo'): KubeObject {
  const set: Record<string, string> = {};
  if (labels !== 'legacy') set['batch.kubernetes.io/job-name'] = jobName;
  if (labels !== 'new') set['job-name'] = jobName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: set, creationTimestamp: created },
    spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36' }] },
    status: { phase: 'Failed' },
  };
}
