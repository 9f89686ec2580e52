/**
 * kube-controller-manager's disruption controller, done at once: after a pod
 * or PodDisruptionBudget changes, each budget of the namespace gets the status
 * the controller would compute (pkg/controller/disruption): the pods its
 * selector matches, how many are healthy (Ready, not terminating, not
 * disrupted), how many must stay healthy (minAvailable, or expected minus
 * maxUnavailable; a percentage rounds up), hence how many disruptions are
 * allowed. A pod leaves disruptedPods once it is seen terminating or gone.
 * Off when the fake runs no controllers, as kube-apiserver alone does.
 */
import { asObject, clone, deepEqual, isObject } from './json.js';
import { matchesSelectorObject, type LabelSelectorObject } from './label-selector.js';
import { requireResource } from './resources.js';
import type { ObjectStore } from './store.js';
import type { KubeObject } from './types.js';

const PODS = requireResource('pods');
const PDBS = requireResource('poddisruptionbudgets');

function count(value: unknown, of: number, roundUp: boolean): number | undefined {
  if (typeof value === 'number') return value;
  const percent = typeof value === 'string' ? /^(\d+)%$/.exec(value) : null;
  if (!percent) return undefined;
  const exact = (Number(percent[1]) * of) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

function ready(pod: KubeObject): boolean {
  const conditions = asObject(pod.status).conditions;
  return Array.isArray(conditions) && conditions.some((c) => isObject(c) && c.type === 'Ready' && c.status === 'True');
}

/** Recomputes the status of every budget in the namespace; writes only what changed. */
export function syncDisruptionBudgets(store: ObjectStore, namespace: string): void {
  for (const stored of store.list(PDBS, namespace)) {
    const pdb = clone(stored);
    const spec = asObject(pdb.spec);
    const selector = spec.selector as LabelSelectorObject | undefined;
    const empty = !selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0);
    const pods = empty ? [] : store.list(PODS, namespace, (p) => matchesSelectorObject(selector, p.metadata.labels));
    const live = new Set(pods.filter((p) => p.metadata.deletionTimestamp === undefined).map((p) => p.metadata.name ?? ''));
    const before = asObject(pdb.status);
    const disrupted = Object.fromEntries(Object.entries(isObject(before.disruptedPods) ? before.disruptedPods : {}).filter(([name]) => live.has(name)));
    const expected = pods.length;
    const healthy = pods.filter((p) => live.has(p.metadata.name ?? '') && ready(p) && !((p.metadata.name ?? '') in disrupted)).length;
    const desired =
      spec.minAvailable !== undefined
        ? (count(spec.minAvailable, expected, true) ?? 0)
        : Math.max(0, expected - (count(spec.maxUnavailable, expected, true) ?? 0));
    const status: Record<string, unknown> = {
      observedGeneration: pdb.metadata.generation ?? 1,
      ...(Object.keys(disrupted).length > 0 ? { disruptedPods: disrupted } : {}),
      disruptionsAllowed: Math.max(0, healthy - desired),
      currentHealthy: healthy,
      desiredHealthy: desired,
      expectedPods: expected,
    };
    if (deepEqual(before, status)) continue;
    pdb.status = status;
    pdb.metadata.resourceVersion = store.nextVersion();
    store.put(PDBS, pdb);
  }
}
