/**
 * In-memory object storage with one cluster-wide, monotonically increasing
 * resourceVersion, like etcd's revision. Reads return copies.
 */
import { clone } from './json.js';
import type { ResourceDef } from './resources.js';
import type { KubeObject } from './types.js';

function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export class ObjectStore {
  private revision = 1000;
  private readonly byResource = new Map<string, Map<string, KubeObject>>();

  currentVersion(): string {
    return String(this.revision);
  }

  /** Issues the next resourceVersion; call once per real write. */
  nextVersion(): string {
    this.revision += 1;
    return String(this.revision);
  }

  private table(def: ResourceDef): Map<string, KubeObject> {
    let table = this.byResource.get(def.resource);
    if (!table) {
      table = new Map();
      this.byResource.set(def.resource, table);
    }
    return table;
  }

  get(def: ResourceDef, namespace: string | undefined, name: string): KubeObject | undefined {
    const obj = this.table(def).get(keyOf(def.namespaced ? namespace : undefined, name));
    return obj ? clone(obj) : undefined;
  }

  /**
   * Objects of a resource in one namespace, or everywhere, in key order (as etcd
   * lists them). `where` filters before copying, so scans of a large store stay cheap.
   */
  list(def: ResourceDef, namespace?: string, where?: (obj: KubeObject) => boolean): KubeObject[] {
    const entries = [...this.table(def).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return entries
      .map(([, obj]) => obj)
      .filter((obj) => (!def.namespaced || namespace === undefined || obj.metadata.namespace === namespace) && (!where || where(obj)))
      .map((obj) => clone(obj));
  }

  /** Stores the object as given; the caller has already set metadata (resourceVersion included). */
  put(def: ResourceDef, obj: KubeObject): void {
    const name = obj.metadata.name;
    if (!name) throw new Error('k8s fake: cannot store an object without metadata.name');
    this.table(def).set(keyOf(def.namespaced ? obj.metadata.namespace : undefined, name), clone(obj));
  }

  remove(def: ResourceDef, namespace: string | undefined, name: string): boolean {
    return this.table(def).delete(keyOf(def.namespaced ? namespace : undefined, name));
  }

  /** Every object anywhere whose ownerReferences name this uid. */
  dependentsOf(uid: string, defs: readonly ResourceDef[]): { def: ResourceDef; obj: KubeObject }[] {
    const out: { def: ResourceDef; obj: KubeObject }[] = [];
    for (const def of defs) {
      for (const obj of this.list(def, undefined, (o) => (o.metadata.ownerReferences ?? []).some((ref) => ref.uid === uid))) {
        out.push({ def, obj });
      }
    }
    return out;
  }
}
