/**
 * A minimal, synchronous Deployment controller (and, optionally, ReplicaSet
 * controller): one ReplicaSet per distinct pod template, revisions numbered
 * like the real controller's, an instant rollout, and status kept in step.
 */
import { asObject, canonicalJson, clone, deepEqual, getPath, isObject, stringMap, type JsonObject } from './json.js';
import { matchesSelectorObject, type LabelSelectorObject } from './label-selector.js';
import { controllerRef, controllerUidOf, fnv32a, newUid, safeEncode, timestamp } from './meta.js';
import { syncDisruptionBudgets } from './disruption-controller.js';
import { podForReplicaSet } from './pod-factory.js';
import { requireResource } from './resources.js';
import type { ObjectStore } from './store.js';
import type { KubeObject } from './types.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const HASH_LABEL = 'pod-template-hash';
/** Set to "manual" on a Deployment to keep its seeded status and ReplicaSet sizes through writes. */
export const MANUAL_ROLLOUT_ANNOTATION = 'k8s-fake.drover.dev/rollout';

const DEPLOYMENTS = requireResource('deployments');
const REPLICASETS = requireResource('replicasets');
const PODS = requireResource('pods');
const NODES = requireResource('nodes');

/** Writes after which the disruption controller recomputes the namespace's PodDisruptionBudgets. */
const DISRUPTION_TRIGGERS = new Set(['pods', 'replicasets', 'deployments', 'poddisruptionbudgets']);

export interface ControllerDeps {
  store: ObjectStore;
  now: () => Date;
  instantRollout: boolean;
  managePods: boolean;
  /** False: no controller at all, as an API server without kube-controller-manager. */
  enabled: boolean;
}

export function revisionOf(obj: KubeObject): number {
  const n = Number(obj.metadata.annotations?.[REVISION_ANNOTATION] ?? 0);
  return Number.isFinite(n) ? n : 0;
}

function templateWithoutHash(template: unknown): JsonObject {
  const copy = clone(asObject(template));
  const labels = getPath(copy, 'metadata', 'labels');
  if (isObject(labels)) delete labels[HASH_LABEL];
  return copy;
}

export function sameTemplate(a: unknown, b: unknown): boolean {
  return deepEqual(templateWithoutHash(a), templateWithoutHash(b));
}

/** What the controller puts in the pod-template-hash label. */
export function podTemplateHash(template: unknown, collisionCount = 0): string {
  const salt = collisionCount > 0 ? String(collisionCount) : '';
  return safeEncode(fnv32a(canonicalJson(templateWithoutHash(template)) + salt));
}

function replicasOf(obj: KubeObject): number {
  const r = getPath(obj, 'spec', 'replicas');
  return typeof r === 'number' ? r : 1;
}

/** Omits zero counts, as the API's omitempty fields do. */
function counts(entries: Record<string, number | undefined>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(entries)) if (v) out[k] = v;
  return out;
}

export class DeploymentController {
  private podCounter = 0;

  constructor(private readonly deps: ControllerDeps) {}

  setBehaviour(behaviour: Partial<Pick<ControllerDeps, 'instantRollout' | 'managePods'>>): void {
    if (behaviour.instantRollout !== undefined) this.deps.instantRollout = behaviour.instantRollout;
    if (behaviour.managePods !== undefined) this.deps.managePods = behaviour.managePods;
  }

  private write(def: typeof DEPLOYMENTS, obj: KubeObject): void {
    obj.metadata.resourceVersion = this.deps.store.nextVersion();
    this.deps.store.put(def, obj);
  }

  private writeIfChanged(def: typeof DEPLOYMENTS, before: KubeObject | undefined, after: KubeObject): void {
    if (!before || !deepEqual(before, after)) this.write(def, after);
  }

  /** Reacts to a committed API write (or a seed). */
  afterWrite(resource: string, obj: KubeObject | undefined, old: KubeObject | undefined, keepStatus = false): void {
    const subject = obj ?? old;
    if (!subject || !this.deps.enabled) return;
    if (resource === 'deployments' && obj) this.reconcile(obj.metadata.namespace ?? '', obj.metadata.name ?? '', keepStatus);
    if (this.deps.managePods) {
      if (resource === 'replicasets' && obj) this.syncPods(obj);
      if (resource === 'pods') {
        const ownerUid = controllerUidOf(subject);
        const rs = this.deps.store.list(REPLICASETS, subject.metadata.namespace, (r) => r.metadata.uid === ownerUid)[0];
        if (rs) this.syncPods(rs);
      }
    }
    // Last, so the budgets count the pods the controllers just made.
    if (DISRUPTION_TRIGGERS.has(resource)) syncDisruptionBudgets(this.deps.store, subject.metadata.namespace ?? '');
  }

  /** ReplicaSets this deployment controls, adopting matching orphans as the real controller does. */
  private ownedReplicaSets(d: KubeObject): KubeObject[] {
    const selector = getPath(d, 'spec', 'selector') as LabelSelectorObject | undefined;
    const owned: KubeObject[] = [];
    const mayBeOwned = (rs: KubeObject) =>
      (rs.metadata.ownerReferences ?? []).some((r) => r.kind === 'Deployment' && (r.uid === d.metadata.uid || r.name === d.metadata.name)) ||
      !(rs.metadata.ownerReferences ?? []).some((r) => r.controller === true);
    for (const rs of this.deps.store.list(REPLICASETS, d.metadata.namespace, mayBeOwned)) {
      const refs = rs.metadata.ownerReferences ?? [];
      const byName = refs.find((r) => r.controller === true && r.kind === 'Deployment' && r.name === d.metadata.name);
      if (controllerUidOf(rs) === d.metadata.uid) {
        owned.push(rs);
      } else if (byName && !byName.uid) {
        // Seeded with a name-only owner reference: fill the uid in.
        const before = clone(rs);
        byName.uid = d.metadata.uid ?? '';
        this.writeIfChanged(REPLICASETS, before, rs);
        owned.push(rs);
      } else if (!refs.some((r) => r.controller === true) && selector && matchesSelectorObject(selector, rs.metadata.labels)) {
        const before = clone(rs);
        rs.metadata.ownerReferences = [...refs, controllerRef({ ...d, apiVersion: 'apps/v1', kind: 'Deployment' })];
        this.writeIfChanged(REPLICASETS, before, rs);
        owned.push(rs);
      }
    }
    return owned;
  }

  private newReplicaSet(d: KubeObject, owned: KubeObject[], revision: number, instant: boolean): KubeObject {
    const template = clone(asObject(getPath(d, 'spec', 'template')));
    let collisions = 0;
    let hash = podTemplateHash(template, collisions);
    while (this.deps.store.get(REPLICASETS, d.metadata.namespace, `${d.metadata.name}-${hash}`)) {
      collisions += 1;
      hash = podTemplateHash(template, collisions);
    }
    const replicas = replicasOf(d);
    const labels = { ...stringMap(getPath(template, 'metadata', 'labels')), [HASH_LABEL]: hash };
    const templateMeta = asObject(template.metadata);
    templateMeta.labels = labels;
    template.metadata = templateMeta;
    const selector = clone(asObject(getPath(d, 'spec', 'selector')));
    selector.matchLabels = { ...stringMap(selector.matchLabels), [HASH_LABEL]: hash };
    const rs: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        uid: newUid(),
        generation: 1,
        creationTimestamp: timestamp(this.deps.now()),
        labels,
        annotations: {
          [REVISION_ANNOTATION]: String(revision),
          'deployment.kubernetes.io/desired-replicas': String(replicas),
          'deployment.kubernetes.io/max-replicas': String(replicas + Math.ceil(replicas / 4)),
        },
        ownerReferences: [controllerRef({ ...d, apiVersion: 'apps/v1', kind: 'Deployment' })],
      },
      spec: { replicas: instant ? replicas : 0, selector, template },
      status: {},
    };
    owned.push(rs);
    return rs;
  }

  reconcile(namespace: string, name: string, keepStatus = false): void {
    const d = this.deps.store.get(DEPLOYMENTS, namespace, name);
    if (!d || d.metadata.deletionTimestamp || getPath(d, 'spec', 'paused') === true) return;
    const before = clone(d);
    const instant = this.deps.instantRollout && d.metadata.annotations?.[MANUAL_ROLLOUT_ANNOTATION] !== 'manual';
    const owned = this.ownedReplicaSets(d);
    const maxRevision = owned.reduce((max, rs) => Math.max(max, revisionOf(rs)), 0);
    let current = owned.find((rs) => sameTemplate(getPath(rs, 'spec', 'template'), getPath(d, 'spec', 'template')));
    const beforeCurrent = current ? clone(current) : undefined;
    if (!current) {
      current = this.newReplicaSet(d, owned, maxRevision + 1, instant);
    } else if (revisionOf(current) < maxRevision) {
      // Rolled back to an older template: that ReplicaSet gets the next revision number.
      const annotations = { ...current.metadata.annotations };
      const history = annotations[REVISION_HISTORY_ANNOTATION];
      const old = String(revisionOf(current));
      annotations[REVISION_HISTORY_ANNOTATION] = history ? `${history},${old}` : old;
      annotations[REVISION_ANNOTATION] = String(maxRevision + 1);
      current.metadata.annotations = annotations;
    }
    const replicas = replicasOf(d);
    if (instant) this.scaleReplicaSets(owned, current, replicas);
    this.writeIfChanged(REPLICASETS, beforeCurrent, current);
    this.pruneHistory(d, owned, current);

    d.metadata.annotations = { ...d.metadata.annotations, [REVISION_ANNOTATION]: String(revisionOf(current)) };
    if (instant && !(keepStatus && isObject(d.status) && Object.keys(d.status).length > 0)) {
      d.status = this.deploymentStatus(d, current, replicas, asObject(before.status));
    }
    this.writeIfChanged(DEPLOYMENTS, before, d);
    if (this.deps.managePods) for (const rs of owned) this.syncPods(rs);
  }

  private scaleReplicaSets(owned: KubeObject[], current: KubeObject, replicas: number): void {
    for (const rs of owned) {
      const want = rs === current ? replicas : 0;
      const before = rs === current ? undefined : clone(rs);
      rs.spec = { ...asObject(rs.spec), replicas: want };
      rs.status = {
        ...counts({ replicas: want, fullyLabeledReplicas: want, readyReplicas: want, availableReplicas: want }),
        observedGeneration: rs.metadata.generation ?? 1,
      };
      if (rs !== current) this.writeIfChanged(REPLICASETS, before, rs);
    }
  }

  /** Deletes the oldest scaled-down ReplicaSets beyond spec.revisionHistoryLimit. */
  private pruneHistory(d: KubeObject, owned: KubeObject[], current: KubeObject): void {
    const limit = getPath(d, 'spec', 'revisionHistoryLimit');
    if (typeof limit !== 'number') return;
    const old = owned
      .filter((rs) => rs !== current && replicasOf(rs) === 0)
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of old.slice(0, Math.max(0, old.length - limit))) {
      this.deps.store.remove(REPLICASETS, rs.metadata.namespace, rs.metadata.name ?? '');
      this.deps.store.nextVersion();
    }
  }

  private deploymentStatus(d: KubeObject, current: KubeObject, replicas: number, previous: JsonObject): JsonObject {
    const now = timestamp(this.deps.now());
    const prior = Array.isArray(previous.conditions) ? previous.conditions.filter(isObject) : [];
    const condition = (type: string, reason: string, message: string): JsonObject => {
      const old = prior.find((c) => c.type === type);
      const same = old && old.status === 'True' && old.reason === reason && old.message === message;
      return {
        type,
        status: 'True',
        lastUpdateTime: same ? old.lastUpdateTime : now,
        lastTransitionTime: old && old.status === 'True' ? old.lastTransitionTime : now,
        reason,
        message,
      };
    };
    return {
      observedGeneration: d.metadata.generation ?? 1,
      ...counts({ replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas }),
      conditions: [
        condition('Available', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
        condition('Progressing', 'NewReplicaSetAvailable', `ReplicaSet "${current.metadata.name}" has successfully progressed.`),
      ],
    };
  }

  /** The ReplicaSet controller: create or delete pods until the count matches spec.replicas. */
  syncPods(rs: KubeObject): void {
    const { store } = this.deps;
    if (!this.deps.enabled) return;
    const active = store.list(PODS, rs.metadata.namespace, (p) => controllerUidOf(p) === rs.metadata.uid && !p.metadata.deletionTimestamp);
    const want = replicasOf(rs);
    if (active.length > want) {
      const newestFirst = [...active].sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || (b.metadata.name ?? '').localeCompare(a.metadata.name ?? ''));
      for (const pod of newestFirst.slice(0, active.length - want)) {
        store.remove(PODS, pod.metadata.namespace, pod.metadata.name ?? '');
        store.nextVersion();
      }
      return;
    }
    const nodes = store.list(NODES).filter((n) => getPath(n, 'spec', 'unschedulable') !== true);
    for (let i = active.length; i < want; i++) {
      const load = (node: string): number => active.filter((p) => getPath(p, 'spec', 'nodeName') === node).length;
      const node = [...nodes].sort((a, b) => load(a.metadata.name ?? '') - load(b.metadata.name ?? ''))[0]?.metadata.name;
      const pod = podForReplicaSet(rs, { nodeName: node, now: this.deps.now(), index: this.podCounter++ });
      this.write(PODS, pod);
      active.push(pod);
    }
  }
}
