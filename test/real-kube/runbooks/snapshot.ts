/**
 * A snapshot of everything a runbook could touch: every object of every
 * listable namespaced resource in the test namespace (found through the
 * server's discovery, so a resource nobody thought of is included), the
 * namespace itself, and the cluster-scoped objects runbooks act on (Nodes,
 * PersistentVolumes, StorageClasses). Objects are kept whole, as the server
 * serialises them, keyed by API version, resource, namespace and name.
 */
import { isDeepStrictEqual } from 'node:util';
import type { RealKube } from '../cluster.js';
import { clusterRevision, kubeRead, type Json } from './kube-read.js';

export interface SnapshotEntry {
  /** `apps/v1`, `v1` */
  groupVersion: string;
  resource: string;
  kind: string;
  namespace?: string;
  name: string;
  uid: string;
  resourceVersion: string;
  object: Json;
}

export type Snapshot = Map<string, SnapshotEntry>;

interface ListedResource {
  groupVersion: string;
  resource: string;
  kind: string;
  namespaced: boolean;
}

const CLUSTER_SCOPED = new Set(['nodes', 'persistentvolumes', 'storageclasses']);

const discovered = new WeakMap<RealKube, Promise<ListedResource[]>>();

/** Listable resources of each group's preferred version, plus the core group. */
async function discover(kube: RealKube): Promise<ListedResource[]> {
  const versions = ['v1'].map((v) => ({ path: `/api/${v}`, groupVersion: v }));
  const groups = (await kubeRead(kube, '/apis')).groups as Array<{ preferredVersion: { groupVersion: string } }>;
  for (const g of groups) versions.push({ path: `/apis/${g.preferredVersion.groupVersion}`, groupVersion: g.preferredVersion.groupVersion });
  const found: ListedResource[] = [];
  for (const v of versions) {
    const list = (await kubeRead(kube, v.path)).resources as Array<{ name: string; kind: string; namespaced: boolean; verbs: string[] }>;
    for (const r of list) {
      if (r.name.includes('/') || !r.verbs.includes('list')) continue;
      if (r.namespaced || CLUSTER_SCOPED.has(r.name)) found.push({ groupVersion: v.groupVersion, resource: r.name, kind: r.kind, namespaced: r.namespaced });
    }
  }
  return found;
}

function resources(kube: RealKube): Promise<ListedResource[]> {
  let cached = discovered.get(kube);
  if (!cached) {
    cached = discover(kube);
    discovered.set(kube, cached);
  }
  return cached;
}

const base = (gv: string) => (gv.includes('/') ? `/apis/${gv}` : `/api/${gv}`);

function entryOf(r: Pick<ListedResource, 'groupVersion' | 'resource' | 'kind'>, object: Json): SnapshotEntry {
  const meta = (object.metadata ?? {}) as Json;
  const entry: SnapshotEntry = {
    groupVersion: r.groupVersion,
    resource: r.resource,
    kind: r.kind,
    name: String(meta.name),
    uid: String(meta.uid),
    resourceVersion: String(meta.resourceVersion),
    object,
  };
  if (typeof meta.namespace === 'string') entry.namespace = meta.namespace;
  return entry;
}

export function keyOf(e: Pick<SnapshotEntry, 'groupVersion' | 'resource' | 'namespace' | 'name'>): string {
  return `${e.groupVersion} ${e.resource} ${e.namespace ? `${e.namespace}/` : ''}${e.name}`;
}

/** Reads everything in `namespace`, the namespace, and the cluster-scoped objects runbooks touch. */
export async function snapshot(kube: RealKube, namespace: string): Promise<Snapshot> {
  const all = await resources(kube);
  const lists = await Promise.all(
    all.map(async (r) => {
      const path = r.namespaced ? `${base(r.groupVersion)}/namespaces/${namespace}/${r.resource}` : `${base(r.groupVersion)}/${r.resource}`;
      const items = ((await kubeRead(kube, path)).items ?? []) as Json[];
      return items.map((item) => entryOf(r, item));
    }),
  );
  const ns = await kubeRead(kube, `/api/v1/namespaces/${namespace}`);
  const snap: Snapshot = new Map();
  for (const e of [...lists.flat(), entryOf({ groupVersion: 'v1', resource: 'namespaces', kind: 'Namespace' }, ns)]) snap.set(keyOf(e), e);
  return snap;
}

export interface SnapshotDiff {
  added: SnapshotEntry[];
  removed: SnapshotEntry[];
  /** Same key, another resourceVersion or other content. */
  changed: Array<{ before: SnapshotEntry; after: SnapshotEntry }>;
}

export function diffSnapshots(before: Snapshot, after: Snapshot): SnapshotDiff {
  const diff: SnapshotDiff = { added: [], removed: [], changed: [] };
  for (const [key, b] of before) {
    const a = after.get(key);
    if (!a) diff.removed.push(b);
    else if (a.resourceVersion !== b.resourceVersion || !isDeepStrictEqual(a.object, b.object)) diff.changed.push({ before: b, after: a });
  }
  for (const [key, a] of after) if (!before.has(key)) diff.added.push(a);
  return diff;
}

export function isEmptyDiff(d: SnapshotDiff): boolean {
  return d.added.length + d.removed.length + d.changed.length === 0;
}

/** One line per difference, for a failing assertion's message. */
export function describeDiff(d: SnapshotDiff): string[] {
  return [
    ...d.added.map((e) => `added ${keyOf(e)}`),
    ...d.removed.map((e) => `removed ${keyOf(e)}`),
    ...d.changed.map(({ before, after }) => `changed ${keyOf(before)} (resourceVersion ${before.resourceVersion} → ${after.resourceVersion})`),
  ];
}

/**
 * Waits until nothing is written anywhere in the cluster for `quietMs` (the
 * controllers have finished reacting), bounded by `timeoutMs`. Returns the
 * revision it settled on.
 */
export async function waitQuiet(kube: RealKube, { quietMs = 1500, timeoutMs = 30_000 } = {}): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let revision = await clusterRevision(kube);
  let since = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const now = await clusterRevision(kube);
    if (now !== revision) {
      revision = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return revision;
    }
    if (Date.now() > deadline) throw new Error(`the cluster kept being written to for ${timeoutMs} ms (revision ${revision})`);
  }
}
