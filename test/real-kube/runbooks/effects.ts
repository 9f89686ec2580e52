/**
 * Who changed what between two snapshots: the runbook's target, or the
 * controllers reacting to it. A change belongs to the controllers when the
 * object shares the target's controller root (Deployment → ReplicaSet → Pod,
 * through controller ownerReferences), or is an Event about such an object.
 * Anything else is unexplained, and fails the suite.
 */
import type { Json } from './kube-read.js';
import { keyOf, type Snapshot, type SnapshotDiff, type SnapshotEntry } from './snapshot.js';

export interface Attribution {
  /** Changes to the target itself. */
  target: string[];
  /** Changes made by controllers in response, e.g. "+1 Pod", "~1 ReplicaSet". */
  controllers: string[];
  /** Changes nobody accounts for. */
  unexplained: string[];
}

function controllerOf(e: SnapshotEntry): string | undefined {
  const refs = ((e.object.metadata as Json | undefined)?.ownerReferences ?? []) as Array<{ uid: string; controller?: boolean }>;
  return refs.find((r) => r.controller)?.uid;
}

/** The uid of the object's topmost controller (itself when none owns it). */
function rootOf(uid: string, owners: Map<string, string | undefined>): string {
  let at = uid;
  for (let hops = 0; hops < 10; hops++) {
    const owner = owners.get(at);
    if (!owner) return at;
    at = owner;
  }
  return at;
}

function eventSubject(e: SnapshotEntry): string | undefined {
  const o = e.object;
  const about = (o.involvedObject ?? o.regarding) as { uid?: string } | undefined;
  return about?.uid;
}

/** "+2 Pod, ~1 ReplicaSet": counts by change and kind; one Event listed by both event APIs counts once. */
function summarise(items: Array<{ sign: string; e: SnapshotEntry }>): string[] {
  const counts = new Map<string, number>();
  const seen = new Set<string>();
  for (const { sign, e } of items) {
    const id = `${sign}${e.uid}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const label = `${sign}${e.kind}`;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([label, n]) => `${label[0]}${n} ${label.slice(1)}`);
}

/**
 * `alsoTargets`: objects the run changed besides its target (a drain's
 * evicted pods); their changes count as the target's, and their
 * controllers' reactions as controllers'.
 */
export function attribute(diff: SnapshotDiff, targetUid: string | undefined, before: Snapshot, after: Snapshot, alsoTargets: readonly string[] = []): Attribution {
  const owners = new Map<string, string | undefined>();
  for (const e of [...before.values(), ...after.values()]) owners.set(e.uid, controllerOf(e));
  const roots = new Set([targetUid, ...alsoTargets].filter((u): u is string => u !== undefined).map((u) => rootOf(u, owners)));
  const family = (uid: string | undefined) => uid !== undefined && roots.has(rootOf(uid, owners));

  const all = [
    ...diff.added.map((e) => ({ sign: '+', e })),
    ...diff.removed.map((e) => ({ sign: '-', e })),
    ...diff.changed.map(({ after: e }) => ({ sign: '~', e })),
  ];
  const result: Attribution = { target: [], controllers: [], unexplained: [] };
  const byControllers: typeof all = [];
  for (const item of all) {
    if (item.e.uid === targetUid || alsoTargets.includes(item.e.uid)) result.target.push(`${item.sign}${keyOf(item.e)}`);
    else if (family(item.e.uid) || (item.e.kind === 'Event' && family(eventSubject(item.e)))) byControllers.push(item);
    else result.unexplained.push(`${item.sign}${keyOf(item.e)}`);
  }
  result.controllers = summarise(byControllers);
  return result;
}
