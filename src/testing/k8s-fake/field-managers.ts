/**
 * Field ownership for server-side apply, enough for the conflict that
 * matters: each apply manager owns the fields of the configuration it last
 * applied, and each other write (create, update, patch) makes its manager
 * (`fieldManager`, else the User-Agent up to its first `/`, as the server
 * names it) the owner of the fields it set or changed, taken from whoever
 * owned them. Applying a different value to a field another manager owns is
 * a 409 naming the manager (`"kubectl-edit" using v1` for a non-apply one)
 * and the field, unless `force=true`, which takes the field over.
 */
import { MERGE_KEYS } from './merge-patch.js';
import { isObject } from './json.js';
import { ApiError } from './status.js';

type Leaves = Map<string, unknown>;

/** Fields a config sets, as the server names them: `.spec.replicas`, `.spec.template.spec.containers[name="app"].image`. */
export function leafFields(config: unknown, path = ''): Leaves {
  const out: Leaves = new Map();
  if (!isObject(config)) {
    out.set(path, config);
    return out;
  }
  for (const [key, value] of Object.entries(config)) {
    if (path === '' && (key === 'apiVersion' || key === 'kind')) continue;
    if (path === '.metadata' && (key === 'name' || key === 'namespace')) continue;
    const here = `${path}.${key}`;
    const mergeKey = MERGE_KEYS[key];
    if (Array.isArray(value) && mergeKey) {
      for (const item of value) {
        const id = isObject(item) ? item[mergeKey] : undefined;
        if (id === undefined) continue;
        for (const [p, v] of leafFields(item, `${here}[${mergeKey}=${JSON.stringify(id)}]`)) out.set(p, v);
      }
    } else if (isObject(value) && Object.keys(value).length > 0) {
      for (const [p, v] of leafFields(value, here)) out.set(p, v);
    } else {
      out.set(here, value);
    }
  }
  return out;
}

/** `manager` is the quoted label: `"alpha"`, or `"kubectl-edit" using v1`. */
function conflictError(conflicts: { manager: string; field: string }[]): ApiError {
  const managers = [...new Set(conflicts.map((c) => c.manager))];
  const message =
    conflicts.length === 1
      ? `Apply failed with 1 conflict: conflict with ${conflicts[0]?.manager ?? ''}: ${conflicts[0]?.field ?? ''}`
      : `Apply failed with ${conflicts.length} conflicts: ${managers.map((m) => `conflicts with ${m}:\n${conflicts.filter((c) => c.manager === m).map((c) => `- ${c.field}`).join('\n')}`).join('\n')}`;
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: 'Conflict',
    details: { causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${c.manager}`, field: c.field })) },
    code: 409,
  });
}

/** Server-set or status fields: never owned by a write's manager for conflict purposes. */
const UNOWNED = /^\.(status|metadata\.(uid|resourceVersion|generation|creationTimestamp|deletionTimestamp|deletionGracePeriodSeconds|managedFields|selfLink))(\.|\[|$)/;

/** The manager the server names a non-apply write after: `fieldManager`, else the User-Agent's first part. */
export function updateManager(fieldManager: string | undefined, userAgent: string | undefined): string {
  if (fieldManager) return fieldManager;
  const prefix = (userAgent ?? '').split('/')[0]?.trim() ?? '';
  return prefix === '' ? 'unknown' : prefix;
}

interface Owner {
  /** As conflicts name it: `"alpha"`, or `"kubectl-edit" using v1`. */
  label: string;
  fields: Set<string>;
}

/** Per object (by uid): which manager owns which fields. */
export class FieldManagers {
  private readonly owners = new Map<string, Map<string, Owner>>();

  /**
   * A create, update or patch by `manager` (not an apply) that went through:
   * it owns the fields it set (create) or changed, and nobody else does.
   */
  update(uid: string, manager: string, apiVersion: string, before: unknown, after: unknown): void {
    const byManager = this.owners.get(uid) ?? new Map<string, Owner>();
    const old = before === undefined ? new Map<string, unknown>() : leafFields(before);
    const changed = [...leafFields(after)].filter(([field, value]) => !UNOWNED.test(field) && JSON.stringify(old.get(field)) !== JSON.stringify(value)).map(([f]) => f);
    if (changed.length === 0) return;
    for (const owner of byManager.values()) for (const f of changed) owner.fields.delete(f);
    const key = `update ${manager} ${apiVersion}`;
    const mine = byManager.get(key) ?? { label: `"${manager}" using ${apiVersion}`, fields: new Set<string>() };
    for (const f of changed) mine.fields.add(f);
    byManager.set(key, mine);
    this.owners.set(uid, byManager);
  }

  /**
   * Checks an apply of `config` by `manager` against `current` (the object
   * before the apply); throws the 409 on conflicts unless `force`. Returns the
   * commit to run once the write succeeded (not for a dry run).
   */
  apply(uid: string, manager: string, config: unknown, current: unknown, force: boolean): { commit: () => void; ownershipChanges: boolean } {
    const byManager = this.owners.get(uid) ?? new Map<string, Owner>();
    const key = `apply ${manager}`;
    const mine = leafFields(config);
    const present = leafFields(current);
    const conflicts: { key: string; manager: string; field: string }[] = [];
    for (const [field, value] of mine) {
      if (JSON.stringify(present.get(field)) === JSON.stringify(value)) continue;
      for (const [other, owner] of byManager) {
        if (other !== key && owner.fields.has(field)) conflicts.push({ key: other, manager: owner.label, field });
      }
    }
    if (conflicts.length > 0 && !force) throw conflictError(conflicts);
    const had = byManager.get(key)?.fields ?? new Set<string>();
    // A new owner (or one that gives fields up) is a change of the object's managedFields: a write, even when no value changes.
    const ownershipChanges = conflicts.length > 0 || had.size !== mine.size || [...mine.keys()].some((f) => !had.has(f));
    return {
      ownershipChanges,
      commit: () => {
        for (const { key: other, field } of conflicts) byManager.get(other)?.fields.delete(field);
        byManager.set(key, { label: `"${manager}"`, fields: new Set(mine.keys()) });
        this.owners.set(uid, byManager);
      },
    };
  }
}
