/**
 * PersistentVolumeClaim expansion as Drover sends it (merge patch of the
 * storage request with the resourceVersion read): dry and real on a bound
 * claim whose class allows expansion; refused on a fixed class, on an
 * unbound claim, when shrinking, when stale. The claim is bound through its
 * status subresource (no PV binder runs), the same request to both servers.
 */
import { keepMeta, read, type Case } from '../case.js';

const CLAIMS = '/api/v1/namespaces/{ns}/persistentvolumeclaims';
const MERGE = 'application/merge-patch+json';

function claim(name: string, storageClassName: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName, resources: { requests: { storage: '1Gi' } } },
  };
}

function storageClass(name: string, allowVolumeExpansion: boolean): Record<string, unknown> {
  return { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner: 'example.com/disk', allowVolumeExpansion };
}

function bind(name: string): { name: string; req: { method: 'PUT'; path: string; body: unknown } } {
  return {
    name: `bind ${name} (status)`,
    req: {
      method: 'PUT',
      path: `${CLAIMS}/${name}/status`,
      body: { ...claim(name, name === 'data' ? '{ns}-grow' : '{ns}-fixed'), metadata: { name, resourceVersion: '{$rv}' }, status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } } },
    },
  };
}

const grow = (storage: string) => ({ metadata: { resourceVersion: '{$rv}' }, spec: { resources: { requests: { storage } } } });

export const volumeClaimCases: Case[] = [
  {
    name: 'pvc/expand a bound claim',
    steps: [
      { name: 'create the expandable class', req: { method: 'POST', path: '/apis/storage.k8s.io/v1/storageclasses', body: storageClass('{ns}-grow', true) } },
      read('/apis/storage.k8s.io/v1/storageclasses/{ns}-grow', 'read the class'),
      { name: 'create claim', req: { method: 'POST', path: CLAIMS, body: claim('data', '{ns}-grow') }, keep: keepMeta('rv', 'resourceVersion') },
      { name: 'expand the unbound claim', req: { method: 'PATCH', path: `${CLAIMS}/data`, contentType: MERGE, body: grow('2Gi') } },
      { ...bind('data'), keep: keepMeta('rv', 'resourceVersion') },
      read(`${CLAIMS}/data`, 'read the bound claim'),
      { name: 'expand, dry run', req: { method: 'PATCH', path: `${CLAIMS}/data`, query: [['dryRun', 'All']], contentType: MERGE, body: grow('2Gi') } },
      read(`${CLAIMS}/data`, 'read after the dry run'),
      { name: 'expand', req: { method: 'PATCH', path: `${CLAIMS}/data`, contentType: MERGE, body: grow('2048Mi') } },
      { name: 'expand, stale resourceVersion', req: { method: 'PATCH', path: `${CLAIMS}/data`, contentType: MERGE, body: grow('3Gi') } },
      { name: 'shrink', req: { method: 'PATCH', path: `${CLAIMS}/data`, contentType: MERGE, body: { spec: { resources: { requests: { storage: '1Gi' } } } } } },
      { name: 'malformed size', req: { method: 'PATCH', path: `${CLAIMS}/data`, contentType: MERGE, body: { spec: { resources: { requests: { storage: 'lots' } } } } } },
      { name: 'change the access modes', req: { method: 'PATCH', path: `${CLAIMS}/data`, contentType: MERGE, body: { spec: { accessModes: ['ReadWriteMany'] } } } },
      read(`${CLAIMS}/data`, 'read at the end'),
      read(`${CLAIMS}/absent`, 'read a missing claim'),
    ],
  },
  {
    name: 'pvc/a class that does not expand',
    steps: [
      { name: 'create the fixed class', req: { method: 'POST', path: '/apis/storage.k8s.io/v1/storageclasses', body: storageClass('{ns}-fixed', false) } },
      { name: 'create claim', req: { method: 'POST', path: CLAIMS, body: claim('logs', '{ns}-fixed') }, keep: keepMeta('rv', 'resourceVersion') },
      { ...bind('logs'), keep: keepMeta('rv', 'resourceVersion') },
      { name: 'expand, dry run', req: { method: 'PATCH', path: `${CLAIMS}/logs`, query: [['dryRun', 'All']], contentType: MERGE, body: grow('2Gi') } },
      { name: 'expand', req: { method: 'PATCH', path: `${CLAIMS}/logs`, contentType: MERGE, body: grow('2Gi') } },
      read(`${CLAIMS}/logs`, 'read at the end'),
      read('/apis/storage.k8s.io/v1/storageclasses/{ns}-absent', 'read a missing class'),
    ],
  },
];
