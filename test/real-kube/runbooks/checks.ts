/**
 * The assertions every runbook case shares: nothing written (a dry run, a
 * refusal, an error), and a real run that changed what its plan said.
 */
import type { PlannedChange } from '../../../src/k8s/types.js';
import type { RealKube } from '../cluster.js';
import { attribute, type Attribution } from './effects.js';
import type { Effect } from './cases/case.js';
import { clusterRevision, kubeReadIfExists, type Json } from './kube-read.js';
import { changedLines, changedPaths, observedLines, valueAt, without, WRITE_NOISE } from './object-paths.js';
import { describeDiff, diffSnapshots, snapshot, waitQuiet, type Snapshot } from './snapshot.js';

/** The state a run starts from: everything in the namespace and the cluster's revision, once the controllers are idle. */
export interface Baseline {
  revision: string;
  snap: Snapshot;
}

export async function baseline(kube: RealKube, namespace: string): Promise<Baseline> {
  const revision = await waitQuiet(kube);
  return { revision, snap: await snapshot(kube, namespace) };
}

/**
 * Fails unless nothing at all was written since `base`: every object in the
 * namespace and every Node, PV and StorageClass has the same resourceVersion
 * and content, and etcd's revision (raised by any write anywhere) is the same.
 */
export async function expectNothingWritten(kube: RealKube, namespace: string, base: Baseline, when: string): Promise<void> {
  const now = await snapshot(kube, namespace);
  const revision = await clusterRevision(kube);
  expect({ when, differences: describeDiff(diffSnapshots(base.snap, now)), revision }).toEqual({ when, differences: [], revision: base.revision });
}

/** Reports must each match one of the patterns, in order. */
export function expectReports(reports: string[], patterns: RegExp[]): void {
  expect(reports).toHaveLength(patterns.length);
  patterns.forEach((p, i) => expect(reports[i]).toMatch(p));
}

/** A stamped value (a timestamp the step chose) stands out from the rest of the line. */
function unstamped(lines: string[], stamped: readonly string[]): string[] {
  const keys = stamped.map((p) => /(?:\["([^"]+)"\]|\.([^.[\]]+))$/.exec(p)).map((m) => m?.[1] ?? m?.[2] ?? '');
  return lines.map((l) => keys.reduce((line, k) => (line.includes(`${k}: `) ? line.replace(new RegExp(`(${k.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: ).*$`), '$1<stamp>') : line), l));
}

const show = (v: unknown) => (v === undefined ? '(unset)' : typeof v === 'string' ? v : JSON.stringify(v));

export interface RealOutcome {
  attribution: Attribution;
  /** "spec.replicas 2 → 3" per field, or "deleted". */
  changed: string[];
}

/**
 * After a real run: the target changed in exactly the planned fields (its
 * plan's -/+ lines are the ones an independent before/after read shows, up to
 * stamped values; the run's own record matches them exactly), and every
 * other change was made by the target's controllers.
 */
export async function expectPlannedChange(
  kube: RealKube,
  namespace: string,
  base: Baseline,
  target: { path: string; before: Json } | undefined,
  effect: Effect,
  plan: PlannedChange[],
  done: PlannedChange[],
): Promise<RealOutcome> {
  const revision = await waitQuiet(kube);
  const now = await snapshot(kube, namespace);
  const targetUid = target ? String((target.before.metadata as Json).uid) : undefined;
  // A drain's evicted pods, found by name in the baseline.
  const evicted = effect.kind === 'drain' ? [...base.snap.values()].filter((e) => e.resource === 'pods' && e.namespace === namespace && effect.evicted.includes(e.name)) : [];
  const attribution = attribute(diffSnapshots(base.snap, now), targetUid, base.snap, now, evicted.map((e) => e.uid));
  expect(attribution.unexplained).toEqual([]);
  if (effect.kind === 'none' || !target) {
    expect({ plan, done, attribution, revision }).toEqual({ plan: [], done: [], attribution: { target: [], controllers: [], unexplained: [] }, revision: base.revision });
    return { attribution, changed: [] };
  }
  const evictions = effect.kind === 'drain' ? effect.evicted.length : 0;
  expect(plan).toHaveLength(1 + evictions);
  expect(done).toHaveLength(1 + evictions);
  expect(attribution.target.length).toBeGreaterThan(0);
  if (effect.kind === 'drain') {
    // Each evicted pod: planned, done, and now terminating (bound to a node, it waits for a kubelet that never comes) or gone.
    for (const pod of evicted) {
      const summary = `evict Pod ${namespace}/${pod.name}`;
      expect(plan.map((c) => c.summary)).toContain(summary);
      expect(done.map((c) => c.summary)).toContain(summary);
      const gone = await kubeReadIfExists(kube, `/api/v1/namespaces/${namespace}/pods/${pod.name}`);
      expect({ pod: pod.name, terminating: gone === undefined || (gone.metadata as Json).deletionTimestamp !== undefined }).toEqual({ pod: pod.name, terminating: true });
    }
  }
  const after = await kubeReadIfExists(kube, target.path);
  if (effect.kind === 'delete') {
    // The pod had no node, so the server removes it at once (no kubelet to wait for).
    expect(after?.metadata && (after.metadata as Json).uid).not.toBe(targetUid);
    expect([plan[0]!.verb, done[0]!.verb, done[0]!.summary]).toEqual(['delete', 'delete', plan[0]!.summary]);
    return { attribution, changed: ['deleted'] };
  }
  expect(after).toBeDefined();
  const controllerFields = effect.kind === 'patch' ? (effect.controllerFields ?? []) : [];
  expect(changedPaths(target.before, after, [...WRITE_NOISE, ...controllerFields])).toEqual(effect.fields);
  const observed = observedLines(without(target.before, controllerFields), without(after!, controllerFields));
  const stamped = effect.kind === 'patch' ? (effect.stamped ?? []) : [];
  expect(unstamped(changedLines(plan[0]!.diff), stamped)).toEqual(unstamped(observed, stamped));
  expect(changedLines(done[0]!.diff)).toEqual(observed);
  return { attribution, changed: effect.fields.map((f) => `${f} ${show(valueAt(target.before, f))} → ${show(valueAt(after, f))}`) };
}
