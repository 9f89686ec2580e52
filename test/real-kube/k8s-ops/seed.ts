/**
 * Objects for K8sOps tests on the real server, made with an admin client:
 * a Deployment with its ReplicaSet and Pods (from the real controller), a
 * Node, an HPA (autoscaling/v2beta2, what 1.20 serves), and a bound,
 * expandable PersistentVolumeClaim (PV and claim statuses set through the
 * status subresources, as the volume controllers would).
 */
import { AppsV1Api, CoreV1Api, KubernetesObjectApi, StorageV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { waitFor } from '../../support/wait-for.js';

export interface Seeded {
  namespace: string;
  deployment: string;
  node: string;
  hpa: string;
  pvc: string;
}

export async function seed(kubeConfig: KubeConfig, namespace: string): Promise<Seeded> {
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const storage = kubeConfig.makeApiClient(StorageV1Api);
  const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
  const suffix = namespace.split('-').at(-1) ?? 'x';
  const node = `node-${suffix}`;
  const storageClass = `expandable-${suffix}`;
  const pv = `pv-${suffix}`;

  const labels = { app: 'web' };
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'web', labels },
      spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
    },
  });
  await waitFor(async () => (await core.listNamespacedPod({ namespace, labelSelector: 'app=web' })).items.length === 2, 'the controller to create 2 pods', 30_000);

  await core.createNode({ body: { metadata: { name: node, labels: { 'kubernetes.io/hostname': node } } } });

  await objects.create({
    apiVersion: 'autoscaling/v2beta2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 4 },
  } as KubernetesObject);

  await storage.createStorageClass({ body: { metadata: { name: storageClass }, provisioner: 'example.com/test', allowVolumeExpansion: true } });
  await core.createPersistentVolume({
    body: {
      metadata: { name: pv },
      spec: {
        capacity: { storage: '10Gi' },
        accessModes: ['ReadWriteOnce'],
        storageClassName: storageClass,
        hostPath: { path: `/tmp/${pv}` },
        claimRef: { namespace, name: 'data' },
      },
    },
  });
  await core.createNamespacedPersistentVolumeClaim({
    namespace,
    body: {
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: storageClass, volumeName: pv, resources: { requests: { storage: '10Gi' } } },
    },
  });
  await core.replaceNamespacedPersistentVolumeClaimStatus({
    namespace,
    name: 'data',
    body: {
      metadata: { name: 'data', namespace },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: storageClass, volumeName: pv, resources: { requests: { storage: '10Gi' } } },
      status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '10Gi' } },
    },
  });
  return { namespace, deployment: 'web', node, hpa: 'web', pvc: 'data' };
}
