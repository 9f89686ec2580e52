/**
 * Builders for the sandbox's objects: nodes, deployments with the ReplicaSet
 * the controller would have made, their pods, and events, with fixed names
 * and uids so the sandbox looks the same on every start.
 */
import { applyDefaults } from './defaults.js';
import { HASH_LABEL, podTemplateHash, REVISION_ANNOTATION } from './deployment-controller.js';
import { clone, getPath } from './json.js';
import { controllerRef } from './meta.js';
import { podForReplicaSet } from './pod-factory.js';
import { requireResource } from './resources.js';
import type { KubeObject } from './types.js';

export function node(name: string, ip: string, created: string): KubeObject {
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

export function deployment(namespace: string, name: string, replicas: number, image: string, port: number, uid: string, created: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, uid, creationTimestamp: created, labels: { app: name }, annotations: { [REVISION_ANNOTATION]: '1' } },
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
export function replicaSetFor(d: KubeObject, uid: string): KubeObject {
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
      namespace: d.metadata.namespace,
      uid,
      creationTimestamp: d.metadata.creationTimestamp,
      labels,
      annotations: { [REVISION_ANNOTATION]: '1' },
      ownerReferences: [controllerRef(d)],
    },
    spec: { replicas, selector: { matchLabels: { app: d.metadata.name ?? '', [HASH_LABEL]: hash } }, template },
  };
}

/** A running pod of the ReplicaSet with a fixed name suffix and a uid derived from `index`. */
export function pod(rs: KubeObject, suffix: string, nodeName: string, index: number, now: Date, restartCount = 0): KubeObject {
  const p = podForReplicaSet(rs, { nodeName, now, index, restartCount });
  p.metadata.name = `${rs.metadata.name}-${suffix}`;
  p.metadata.uid = `00000000-0000-4000-9000-${String(index).padStart(12, '0')}`;
  return p;
}

/** An event about `involved`, in its namespace, as the named component reports it. */
export function event(name: string, involved: KubeObject, type: string, reason: string, message: string, component: string, at: string, count = 1): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${involved.metadata.name}.${name}`, namespace: involved.metadata.namespace, creationTimestamp: at },
    involvedObject: { kind: involved.kind, namespace: involved.metadata.namespace, name: involved.metadata.name, uid: involved.metadata.uid, apiVersion: involved.apiVersion },
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
