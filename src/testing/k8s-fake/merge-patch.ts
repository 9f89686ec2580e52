/**
 * RFC 7386 JSON merge patch, and Kubernetes' strategic merge patch: merge
 * semantics plus merge-by-key for the well-known keyed lists and the
 * `$patch: replace|delete` directives.
 */
import { clone, isObject, type JsonObject } from './json.js';
import { PatchError } from './json-patch.js';

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/**
 * Merge keys of the lists the API server merges by key (from the Go structs'
 * patchMergeKey tags). Lists not named here are replaced wholesale.
 */
export const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  imagePullSecrets: 'name',
  resourceClaims: 'name',
  ports: 'containerPort',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  hostAliases: 'ip',
  ownerReferences: 'uid',
  conditions: 'type',
  addresses: 'type',
  topologySpreadConstraints: 'topologyKey',
};

/** Lists of scalars merged as a set (patchStrategy "merge" without a key). */
const SET_LISTS = new Set(['finalizers']);

function stripDirectives(obj: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/') || k.startsWith('$deleteFromPrimitiveList/')) continue;
    out[k] = v;
  }
  return out;
}

function mergeKeyedList(field: string, key: string, target: unknown, patch: unknown[]): unknown[] {
  if (patch.some((item) => isObject(item) && item.$patch === 'replace')) {
    return patch.filter((item) => !(isObject(item) && item.$patch === 'replace')).map((item) => (isObject(item) ? strategicMerge(undefined, stripDirectives(item)) : clone(item)));
  }
  const result: unknown[] = Array.isArray(target) ? clone(target) : [];
  for (const item of patch) {
    if (!isObject(item)) throw new PatchError(`unable to find api field in struct for the list "${field}": items must be objects`, true);
    const id = item[key];
    if (id === undefined) throw new PatchError(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`, true);
    const index = result.findIndex((existing) => isObject(existing) && existing[key] === id);
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index >= 0) result[index] = strategicMerge(result[index], item);
    else result.push(strategicMerge(undefined, item));
  }
  return result;
}

function mergeField(key: string, current: unknown, value: unknown): unknown {
  if (Array.isArray(value)) {
    const mergeKey = MERGE_KEYS[key];
    if (mergeKey) return mergeKeyedList(key, mergeKey, current, value);
    if (SET_LISTS.has(key) && Array.isArray(current)) return [...new Set([...(clone(current) as unknown[]), ...(value as unknown[])])];
    return clone(value);
  }
  if (isObject(value)) return strategicMerge(current, value);
  return clone(value);
}

/** Applies a strategic merge patch. Returns undefined when the patch deletes the whole object. */
export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === 'delete') return undefined;
  if (patch.$patch === 'replace') return clone(stripDirectives(patch));
  const result: JsonObject = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(stripDirectives(patch))) {
    if (value === null) {
      delete result[key];
      continue;
    }
    const merged = mergeField(key, result[key], value);
    if (merged === undefined) delete result[key];
    else result[key] = merged;
  }
  return result;
}

export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) throw new PatchError('strategic merge patch must be a JSON object', true);
  return strategicMerge(target, patch);
}
