/**
 * The generic REST storage semantics of the API server: create, update,
 * patch and delete with resourceVersion/uid preconditions, defaults,
 * validation, generation, no-op detection, dry run and cascading deletes.
 */
import { admitCreate, admitUpdate } from './admission.js';
import { applyPatch, decodePatch, type PatchContentType } from './apply-patch.js';
import { applyDefaults, generateJobSelector, initialStatus } from './defaults.js';
import type { DeploymentController } from './deployment-controller.js';
import { checkFieldsSupported, matchesFields, parseFieldSelector } from './field-selector.js';
import { asObject, clone, deepEqual, ensurePath, isObject } from './json.js';
import { matchesRequirements, parseLabelSelector } from './label-selector.js';
import { newUid, randomSuffix, timestamp } from './meta.js';
import { allResources, apiVersionOf, customResources, requireResource, selectableFields, setCustomResources, supportedFields, type ResourceDef } from './resources.js';
import {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  deleted,
  fieldError,
  invalid,
  notFound,
} from './status.js';
import type { ObjectStore } from './store.js';
import type { KubeObject } from './types.js';
import { FieldManagers } from './field-managers.js';
import { dropUnknownFields } from './schema.js';
import { validateObject } from './validation.js';
import { servedApiVersion, type VersionProfile } from './versions.js';

const NAMESPACES = requireResource('namespaces');
const CRDS = requireResource('customresourcedefinitions');
const DEPENDENT_DEFS = [requireResource('replicasets'), requireResource('pods')];

export interface RegistryDeps {
  store: ObjectStore;
  controller: DeploymentController;
  now: () => Date;
  keepTerminatingPods: boolean;
  profile: VersionProfile;
}

export interface DeleteOptionsInput {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
}

export interface Answer {
  code: number;
  body: unknown;
}

export interface ListSelectors {
  labelSelector?: string;
  fieldSelector?: string;
}

function gr(def: ResourceDef): { group: string; resource: string } {
  return { group: def.group, resource: def.resource };
}

/** The etcd-style precondition failure the storage layer reports. */
function storagePrecondition(def: ResourceDef, obj: KubeObject, what: string, wanted: string, actual: string): string {
  const ns = obj.metadata.namespace ? `${obj.metadata.namespace}/` : '';
  return `StorageError: invalid object, Code: 4, Key: /registry/${def.resource}/${ns}${obj.metadata.name}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: ${what} in precondition: ${wanted}, ${what} in object meta: ${actual}`;
}

/**
 * A patched object that does not decode (a field of the wrong type) is a 422
 * on the `patch` field, not the 400 a create or update gets: the server
 * decodes the patch result, and says what did not fit.
 */
function patchDecodeError(err: ApiError, patched: unknown): ApiError {
  if (err.status.code !== 400 || !(err.message.startsWith('json: cannot unmarshal') || err.message.startsWith('quantities must match'))) return err;
  const message = `Invalid value: ${JSON.stringify(JSON.stringify(patched))}: ${err.message}`;
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: ` "" is invalid: patch: ${message}`,
    reason: 'Invalid',
    details: { causes: [{ reason: 'FieldValueInvalid', message, field: 'patch' }] },
    code: 422,
  });
}

/**
 * A seeded node stands for a live one: unless the seed says otherwise it has
 * addresses, so its "kubelet" (the fake) serves its pods' logs. A node created
 * through the API has none until a kubelet reports, and log requests for its
 * pods fail as on a real server.
 */
function seededNodeAddresses(node: KubeObject): void {
  const status = ensurePath(node, 'status');
  if (Array.isArray(status.addresses) && status.addresses.length > 0) return;
  status.addresses = [{ type: 'Hostname', address: node.metadata.name ?? '' }];
}

/** Metadata only the server sets. */
function serverMeta(obj: KubeObject): KubeObject['metadata'] {
  const { name, namespace, uid, resourceVersion, generation, creationTimestamp, deletionTimestamp, deletionGracePeriodSeconds } = obj.metadata;
  const out: KubeObject['metadata'] = { name, namespace, uid, resourceVersion, generation, creationTimestamp, deletionTimestamp, deletionGracePeriodSeconds };
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out;
}

export class Registry {
  private readonly managers = new FieldManagers();

  constructor(private readonly deps: RegistryDeps) {}

  /** Jobs have had metadata.generation only since 1.21 (with completionMode and suspend). */
  private hasGeneration(def: ResourceDef): boolean {
    return def.hasGeneration && (def.resource !== 'jobs' || this.deps.profile.modernJobs);
  }

  /** The Kubernetes release this fake answers as. */
  get profile(): VersionProfile {
    return this.deps.profile;
  }

  setKeepTerminatingPods(keep: boolean): void {
    this.deps.keepTerminatingPods = keep;
  }

  find(def: ResourceDef, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.deps.store.get(def, namespace, name);
  }

  get(def: ResourceDef, namespace: string | undefined, name: string): KubeObject {
    const obj = this.deps.store.get(def, namespace, name);
    if (!obj) throw notFound(gr(def), name);
    return obj;
  }

  list(def: ResourceDef, namespace: string | undefined, selectors: ListSelectors = {}): KubeObject[] {
    const labels = parseLabelSelector(selectors.labelSelector);
    const fields = parseFieldSelector(selectors.fieldSelector);
    checkFieldsSupported(fields, supportedFields(def), (f) => def.unsupportedField(f));
    return this.deps.store
      .list(def, namespace)
      .filter((obj) => matchesRequirements(labels, obj.metadata.labels))
      .filter((obj) => matchesFields(fields, selectableFields(def, obj), (f) => def.unsupportedField(f)));
  }

  private requireNamespace(def: ResourceDef, namespace: string | undefined): void {
    if (def.namespaced && namespace && !this.deps.store.get(NAMESPACES, undefined, namespace)) {
      throw notFound(gr(NAMESPACES), namespace);
    }
  }

  private checkKind(def: ResourceDef, body: unknown): KubeObject {
    if (!isObject(body)) throw badRequest(`the object provided is unrecognized (must be of type ${def.kind})`);
    if (typeof body.kind === 'string' && body.kind !== def.kind) {
      throw badRequest(`the object provided is unrecognized (must be of type ${def.kind}): kind ${body.kind}`);
    }
    const obj = dropUnknownFields(def.resource, clone(body)) as KubeObject;
    obj.metadata = asObject(obj.metadata);
    obj.kind = def.kind;
    obj.apiVersion = apiVersionOf(def);
    return obj;
  }

  /** `manager`: who wrote it (see updateManager), made the owner of the fields it set. */
  create(def: ResourceDef, namespace: string | undefined, body: unknown, dryRun: boolean, manager?: string): Answer {
    const obj = this.checkKind(def, body);
    const meta = obj.metadata;
    if (def.namespaced) {
      if (meta.namespace && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace;
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    if (!meta.name) throw invalid({ group: def.group, kind: def.kind }, '', [fieldError.required('metadata.name', 'name or generateName is required')]);
    this.requireNamespace(def, namespace);
    if (this.deps.store.get(def, namespace, meta.name)) throw alreadyExists(gr(def), meta.name);
    if (meta.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
    meta.uid = newUid();
    meta.creationTimestamp = timestamp(this.deps.now());
    if (this.hasGeneration(def)) meta.generation = 1;
    if (def.resource === 'jobs') generateJobSelector(obj, this.deps.profile);
    const status = initialStatus(def, obj, this.deps.profile);
    if (status === undefined) delete obj.status;
    else obj.status = status;
    applyDefaults(def, obj, this.deps.profile);
    validateObject(def, obj, undefined, this.deps.profile);
    admitCreate(def, obj);
    if (dryRun) return { code: 201, body: obj };
    meta.resourceVersion = this.deps.store.nextVersion();
    this.deps.store.put(def, obj);
    if (manager) this.managers.update(meta.uid, manager, servedApiVersion(this.deps.profile, def), undefined, obj);
    this.served(def);
    this.deps.controller.afterWrite(def.resource, obj, undefined);
    return { code: 201, body: obj };
  }

  update(def: ResourceDef, namespace: string | undefined, name: string, body: unknown, dryRun: boolean, manager?: string): Answer {
    const next = this.checkKind(def, body);
    const old = this.get(def, namespace, name);
    return { code: 200, body: this.owned(def, old, this.commitUpdate(def, old, next, dryRun), dryRun, manager) };
  }

  /** A non-apply write that went through makes its manager the owner of what it changed. */
  private owned(def: ResourceDef, old: KubeObject, next: KubeObject, dryRun: boolean, manager: string | undefined): KubeObject {
    if (!dryRun && manager) this.managers.update(old.metadata.uid ?? '', manager, servedApiVersion(this.deps.profile, def), old, next);
    return next;
  }

  patch(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    type: PatchContentType,
    raw: string,
    dryRun: boolean,
    fieldManager: string | undefined,
    force = false,
    /** The manager of a non-apply patch (fieldManager, else from the User-Agent). */
    manager?: string,
  ): Answer {
    const patch = decodePatch(type, raw);
    if (type === 'application/apply-patch+yaml') return this.apply(def, namespace, name, patch, dryRun, fieldManager, force);
    const old = this.get(def, namespace, name);
    return { code: 200, body: this.owned(def, old, this.commitPatch(def, old, applyPatch(type, old, patch, this.deps.profile), dryRun), dryRun, manager) };
  }

  private commitPatch(def: ResourceDef, old: KubeObject, patched: unknown, dryRun: boolean, alwaysWrite = false): KubeObject {
    if (!isObject(patched)) throw badRequest('the patch resulted in something that is not an object');
    try {
      return this.commitUpdate(def, old, this.checkKind(def, patched), dryRun, alwaysWrite);
    } catch (err) {
      throw err instanceof ApiError ? patchDecodeError(err, patched) : err;
    }
  }

  /** Server-side apply: needs a fieldManager; creates when missing; conflicts between apply managers (see field-managers.ts). */
  private apply(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    config: unknown,
    dryRun: boolean,
    fieldManager: string | undefined,
    force: boolean,
  ): Answer {
    if (!fieldManager) {
      throw invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [fieldError.required('fieldManager', 'is required for apply patch')]);
    }
    const existing = this.deps.store.get(def, namespace, name);
    if (!existing) {
      const answer = this.create(def, namespace, { ...asObject(config), metadata: { ...asObject(asObject(config).metadata), name } }, dryRun);
      const uid = (answer.body as KubeObject).metadata.uid ?? '';
      if (!dryRun) this.managers.apply(uid, fieldManager, config, undefined, force).commit();
      return answer;
    }
    const { commit, ownershipChanges } = this.managers.apply(existing.metadata.uid ?? '', fieldManager, config, existing, force);
    // A change of owners changes managedFields: a write (a new resourceVersion) even when no value changes.
    const body = this.commitPatch(def, existing, applyPatch('application/apply-patch+yaml', existing, config, this.deps.profile), dryRun, ownershipChanges);
    if (!dryRun) commit();
    return { code: 200, body };
  }

  /** PUT .../status: the object's status from the body, everything else as stored. */
  updateStatus(def: ResourceDef, namespace: string | undefined, name: string, body: unknown, dryRun: boolean): Answer {
    const given = this.checkKind(def, body);
    const old = this.get(def, namespace, name);
    return { code: 200, body: this.commitStatus(def, old, given, dryRun) };
  }

  patchStatus(def: ResourceDef, namespace: string | undefined, name: string, type: PatchContentType, raw: string, dryRun: boolean): Answer {
    const old = this.get(def, namespace, name);
    const patched = applyPatch(type, old, decodePatch(type, raw), this.deps.profile);
    if (!isObject(patched)) throw badRequest('the patch resulted in something that is not an object');
    return { code: 200, body: this.commitStatus(def, old, this.checkKind(def, patched), dryRun) };
  }

  private commitStatus(def: ResourceDef, old: KubeObject, given: KubeObject, dryRun: boolean): KubeObject {
    const name = old.metadata.name ?? '';
    if (given.metadata.name !== undefined && given.metadata.name !== name) {
      throw badRequest(`the name of the object (${given.metadata.name}) does not match the name on the URL (${name})`);
    }
    if (given.metadata.resourceVersion && given.metadata.resourceVersion !== old.metadata.resourceVersion) throw conflict(gr(def), name);
    // As the claim's status strategy does: spec stays, status and metadata come from the body.
    const next = clone(old);
    next.metadata = { ...given.metadata, ...serverMeta(old) };
    if (given.status === undefined) delete next.status;
    else next.status = clone(given.status);
    applyDefaults(def, next, this.deps.profile);
    if (deepEqual(next, old) || dryRun) return next;
    next.metadata.resourceVersion = this.deps.store.nextVersion();
    this.deps.store.put(def, next);
    this.deps.controller.afterWrite(def.resource, next, old);
    return next;
  }

  /** The shared update path: preconditions, carried-over fields, defaults, validation, no-op detection. */
  commitUpdate(def: ResourceDef, old: KubeObject, next: KubeObject, dryRun: boolean, alwaysWrite = false): KubeObject {
    const name = old.metadata.name ?? '';
    if (next.metadata.name !== name) {
      throw badRequest(`the name of the object (${next.metadata.name ?? ''}) does not match the name on the URL (${name})`);
    }
    if (def.namespaced && next.metadata.namespace !== undefined && next.metadata.namespace !== old.metadata.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (next.metadata.uid && next.metadata.uid !== old.metadata.uid) {
      throw conflict(gr(def), name, storagePrecondition(def, old, 'UID', next.metadata.uid, old.metadata.uid ?? ''));
    }
    if (next.metadata.resourceVersion && next.metadata.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(gr(def), name);
    }
    const meta = next.metadata;
    meta.namespace = old.metadata.namespace;
    meta.uid = old.metadata.uid;
    meta.creationTimestamp = old.metadata.creationTimestamp;
    meta.resourceVersion = old.metadata.resourceVersion;
    if (old.metadata.deletionTimestamp) meta.deletionTimestamp = old.metadata.deletionTimestamp;
    if (!def.namespaced) delete meta.namespace;
    // Status belongs to the status subresource: writes to the main resource keep the old one.
    if (old.status === undefined) delete next.status;
    else next.status = clone(old.status);
    applyDefaults(def, next, this.deps.profile);
    if (this.hasGeneration(def)) {
      meta.generation = (old.metadata.generation ?? 1) + (deepEqual(next.spec, old.spec) ? 0 : 1);
    } else if (old.metadata.generation !== undefined) {
      meta.generation = old.metadata.generation;
    }
    validateObject(def, next, old, this.deps.profile);
    admitUpdate(this.deps.store, def, next, old);
    // A write that changes nothing is not a write: same object, same resourceVersion.
    if ((deepEqual(next, old) && !alwaysWrite) || dryRun) return next;
    meta.resourceVersion = this.deps.store.nextVersion();
    this.deps.store.put(def, next);
    this.served(def);
    this.deps.controller.afterWrite(def.resource, next, old);
    return next;
  }

  delete(def: ResourceDef, namespace: string | undefined, name: string, options: DeleteOptionsInput, dryRun: boolean): Answer {
    const obj = this.get(def, namespace, name);
    const pre = options.preconditions ?? {};
    // Both checked early by rest.BeforeDelete, hence the Kind (not resource) in the message.
    if (pre.uid && pre.uid !== obj.metadata.uid) {
      throw conflict(
        { group: def.group, resource: def.kind },
        name,
        `the UID in the precondition (${pre.uid}) does not match the UID in record (${obj.metadata.uid ?? ''}). The object might have been deleted and then recreated`,
      );
    }
    if (pre.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
      throw conflict(
        { group: def.group, resource: def.kind },
        name,
        `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${obj.metadata.resourceVersion ?? ''}). The object might have been modified`,
      );
    }
    if (def.resource === 'pods') return this.deletePod(def, obj, options, dryRun);
    if (!dryRun) this.remove(def, obj, options.propagationPolicy);
    return { code: 200, body: deleted(gr(def), name, obj.metadata.uid) };
  }

  /**
   * Pods answer a delete with the pod itself, 200 either way (202 is only for
   * orphanDependents: false). An unscheduled or finished pod, or a grace
   * period of 0, goes at once: the answer is the pod as last written, marked
   * with deletionTimestamp and a grace period of 0. A scheduled pod is marked
   * and stays until its kubelet confirms (at once here unless keepTerminatingPods);
   * deleting it again may only shorten the grace period.
   */
  private deletePod(def: ResourceDef, pod: KubeObject, options: DeleteOptionsInput, dryRun: boolean): Answer {
    const spec = asObject(pod.spec);
    const phase = asObject(pod.status).phase;
    const specGrace = typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 30;
    const grace = options.gracePeriodSeconds ?? pod.metadata.deletionGracePeriodSeconds ?? specGrace;
    const scheduled = typeof spec.nodeName === 'string' && spec.nodeName !== '';
    const immediate = !scheduled || phase === 'Succeeded' || phase === 'Failed' || grace <= 0;
    const current = pod.metadata.deletionGracePeriodSeconds;
    if (!immediate && current !== undefined && grace >= current) return { code: 200, body: pod };
    const marked = clone(pod);
    marked.metadata.deletionTimestamp = timestamp(new Date(this.deps.now().getTime() + (immediate ? 0 : grace * 1000)));
    marked.metadata.deletionGracePeriodSeconds = immediate ? 0 : grace;
    if (dryRun) return { code: 200, body: marked };
    marked.metadata.resourceVersion = this.deps.store.nextVersion();
    if (!immediate && this.deps.keepTerminatingPods) {
      this.deps.store.put(def, marked);
      this.deps.controller.afterWrite(def.resource, marked, pod);
    } else {
      // Gone at once (or an instant kubelet confirms at once).
      this.remove(def, marked, options.propagationPolicy);
    }
    return { code: 200, body: marked };
  }

  /** Removes an object and, unless orphaning, what it owns (the garbage collector's job, done at once). */
  private remove(def: ResourceDef, obj: KubeObject, propagationPolicy: string | undefined): void {
    const { store } = this.deps;
    store.remove(def, obj.metadata.namespace, obj.metadata.name ?? '');
    store.nextVersion();
    if (def === CRDS) {
      // Its objects go with it.
      const before = customResources(this.deps.profile);
      this.served(def);
      for (const gone of before.filter((d) => !customResources(this.deps.profile).some((c) => c.group === d.group && c.resource === d.resource))) {
        for (const o of store.list(gone)) store.remove(gone, o.metadata.namespace, o.metadata.name ?? '');
      }
    }
    if (def.resource === 'namespaces') {
      // Namespace finalization, done at once: everything inside goes too.
      for (const inner of allResources(this.deps.profile).filter((d) => d.namespaced)) {
        for (const o of store.list(inner, obj.metadata.name)) store.remove(inner, o.metadata.namespace, o.metadata.name ?? '');
      }
      return;
    }
    const uid = obj.metadata.uid;
    if (uid) {
      for (const dep of store.dependentsOf(uid, DEPENDENT_DEFS)) {
        if (propagationPolicy === 'Orphan') {
          dep.obj.metadata.ownerReferences = (dep.obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
          dep.obj.metadata.resourceVersion = store.nextVersion();
          store.put(dep.def, dep.obj);
        } else {
          this.remove(dep.def, dep.obj, propagationPolicy);
        }
      }
    }
    this.deps.controller.afterWrite(def.resource, undefined, obj);
  }

  /** Stores a seeded object as given (status kept), filling what the server would have set. */
  seed(def: ResourceDef, input: KubeObject): KubeObject {
    const obj = clone(input);
    obj.metadata = asObject(obj.metadata);
    obj.kind = def.kind;
    obj.apiVersion = apiVersionOf(def);
    const meta = obj.metadata;
    if (!meta.name) throw new Error(`k8s fake: seeded ${def.kind} has no metadata.name`);
    if (def.namespaced) {
      meta.namespace = meta.namespace ?? 'default';
      if (!this.deps.store.get(NAMESPACES, undefined, meta.namespace)) {
        this.seed(NAMESPACES, { metadata: { name: meta.namespace } });
      }
    } else {
      delete meta.namespace;
    }
    const existing = this.deps.store.get(def, meta.namespace, meta.name);
    meta.uid = meta.uid ?? existing?.metadata.uid ?? newUid();
    meta.creationTimestamp = meta.creationTimestamp ?? existing?.metadata.creationTimestamp ?? timestamp(this.deps.now());
    if (this.hasGeneration(def)) meta.generation = meta.generation ?? 1;
    applyDefaults(def, obj, this.deps.profile);
    if (def.resource === 'nodes') seededNodeAddresses(obj);
    meta.resourceVersion = this.deps.store.nextVersion();
    this.deps.store.put(def, obj);
    this.served(def);
    return obj;
  }

  /** After a write to a CustomResourceDefinition: serve the kinds the stored ones define. */
  private served(def: ResourceDef): void {
    if (def === CRDS) setCustomResources(this.deps.profile, this.deps.store.list(CRDS));
  }
}
