/**
 * Builds the pods a ReplicaSet would own once scheduled and running: labels
 * and spec from the template, a node, a Running status with ready containers.
 */
import { asObject, clone, getPath, isObject, stringMap } from './json.js';
import { controllerRef, newUid, randomSuffix, timestamp } from './meta.js';
import type { KubeObject } from './types.js';

export interface PodShape {
  nodeName?: string;
  phase?: string;
  ready?: boolean;
  restartCount?: number;
  now: Date;
  /** Used to derive a stable-looking pod IP. */
  index: number;
}

export function podForReplicaSet(rs: KubeObject, shape: PodShape): KubeObject {
  const template = asObject(getPath(rs, 'spec', 'template'));
  const spec = clone(asObject(template.spec));
  if (shape.nodeName) spec.nodeName = shape.nodeName;
  const phase = shape.phase ?? (shape.nodeName ? 'Running' : 'Pending');
  const ready = shape.ready ?? phase === 'Running';
  const started = timestamp(shape.now);
  const containers = Array.isArray(spec.containers) ? spec.containers.filter(isObject) : [];
  const status: Record<string, unknown> = {
    phase,
    qosClass: 'BestEffort',
    conditions: [
      { type: 'PodScheduled', status: shape.nodeName ? 'True' : 'False', lastTransitionTime: started },
      { type: 'Initialized', status: 'True', lastTransitionTime: started },
      { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: started },
      { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: started },
    ],
  };
  if (shape.nodeName) {
    status.hostIP = `10.0.0.${10 + (shape.nodeName.length % 200)}`;
    status.podIP = `10.244.${Math.floor(shape.index / 250) % 250}.${(shape.index % 250) + 2}`;
    status.startTime = started;
    status.containerStatuses = containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      ready,
      started: phase === 'Running',
      restartCount: shape.restartCount ?? 0,
      state: phase === 'Running' ? { running: { startedAt: started } } : { waiting: { reason: 'ContainerCreating' } },
    }));
  }
  const rsName = rs.metadata.name ?? 'pod';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${rsName}-${randomSuffix()}`,
      generateName: `${rsName}-`,
      namespace: rs.metadata.namespace,
      uid: newUid(),
      creationTimestamp: started,
      labels: stringMap(getPath(template, 'metadata', 'labels')),
      ownerReferences: [controllerRef({ ...rs, apiVersion: 'apps/v1', kind: 'ReplicaSet' })],
    },
    spec,
    status,
  };
}
