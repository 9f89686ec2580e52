/**
 * Field ownership for server-side apply, enough for the conflict that
 * matters: each apply manager owns the fields of the configuration it last
 * applied; applying a different value to a field another apply manager owns
 * is a 409 naming the manager and the field, unless `force=true`, which
 * takes the field over. Writes other than apply own nothing here (see README).
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

function conflictError(conflicts: { manager: string; field: string }[]): ApiError {
  const managers = [...new Set(conflicts.map((c) => c.manager))];
  const message =
    conflicts.length === 1
      ? `Apply failed with 1 conflict: conflict with "${conflicts[0]?.manager ?? ''}": ${conflicts[0]?.field ?? ''}`
      : `Apply failed with ${conflicts.length} conflicts: ${managers.map((m) => `conflicts with "${m}":\n${conflicts.filter((c) => c.manager === m).map((c) => `- ${c.field}`).join('\n')}`).join('\n')}`;
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: 'Conflict',
    details: { causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: c.field })) },
    code: 409,
  });
}

/** Per object (by uid): which apply manager owns which fields. */
export class FieldManagers {
  private readonly owners = new Map<string, Map<string, Set<string>>>();

  /**
   * Checks an apply of `config` by `manager` against `current` (the object
   * before the apply); throws the 409 on conflicts unless `force`. Returns the
   * commit to run once the write succeeded (not for a dry run).
   */
  apply(uid: string, manager: string, config: unknown, current: unknown, force: boolean): () => void {
    const byManager = this.owners.get(uid) ?? new Map<string, Set<string>>();
    const mine = leafFields(config);
    const present = leafFields(current);
    const conflicts: { manager: string; field: string }[] = [];
    for (const [field, value] of mine) {
      if (JSON.stringify(present.get(field)) === JSON.stringify(value)) continue;
      for (const [other, fields] of byManager) {
        if (other !== manager && fields.has(field)) conflicts.push({ manager: other, field });
      }
    }
    if (conflicts.length > 0 && !force) throw conflictError(conflicts);
    return () => {
      for (const { manager: other, field } of conflicts) byManager.get(other)?.delete(field);
      byManager.set(manager, new Set(mine.keys()));
      this.owners.set(uid, byManager);
    };
  }
}
