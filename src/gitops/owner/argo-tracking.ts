/**
 * How Argo CD marks what it manages. Annotation tracking (the default since
 * Argo CD 2.x's tracking-method setting): `argocd.argoproj.io/tracking-id:
 * <app>:<group>/<kind>:<namespace>/<name>`, group and namespace empty for
 * the core group and cluster-scoped kinds; label tracking:
 * `app.kubernetes.io/instance: <app>`. With Applications in any namespace,
 * `<app>` is `<namespace>_<name>`.
 */
import type { KubeObject } from '../../k8s/types.js';
import { at, groupOf, objectName, record, text } from './fields.js';

export const TRACKING_ANNOTATION = 'argocd.argoproj.io/tracking-id';
export const INSTANCE_LABEL = 'app.kubernetes.io/instance';

/** An Application named by a tracking value; namespace undefined: one of the Argo CD namespaces. */
export interface AppRef {
  namespace?: string;
  name: string;
}

/** `web` → { name: web }; `team-a_web` → { namespace: team-a, name: web }. */
export function parseAppName(value: unknown): AppRef | undefined {
  const raw = text(value, 512);
  if (!raw) return undefined;
  const underscore = raw.indexOf('_');
  if (underscore < 0) {
    const name = objectName(raw);
    return name ? { name } : undefined;
  }
  const namespace = objectName(raw.slice(0, underscore));
  const name = objectName(raw.slice(underscore + 1));
  return namespace && name ? { namespace, name } : undefined;
}

/**
 * The Application the tracking-id names, only when the id names this very
 * object (group, kind, namespace, name): an annotation copied onto another
 * object (a template, a copied manifest) proves nothing.
 */
export function trackedBy(object: KubeObject): AppRef | undefined {
  const raw = text(object.metadata.annotations?.[TRACKING_ANNOTATION], 1024);
  if (!raw) return undefined;
  const m = /^([^:]+):([^/:]*)\/([^:/]+):([^/:]*)\/([^/:]+)$/.exec(raw);
  if (!m) return undefined;
  const [, app, group, kind, namespace, name] = m;
  if (group !== groupOf(object.apiVersion) || kind !== object.kind) return undefined;
  if (namespace !== (object.metadata.namespace ?? '') || name !== object.metadata.name) return undefined;
  return parseAppName(app);
}

/** The instance label's Application, to be confirmed by its status.resources. */
export function labelledApp(object: KubeObject): AppRef | undefined {
  return parseAppName(object.metadata.labels?.[INSTANCE_LABEL]);
}

/** The Application's status.resources lists this object (kind, name, namespace, and group when given) as one from git (not to be pruned). */
export function appListsObject(app: KubeObject, object: KubeObject): boolean {
  const resources = at(app, 'status', 'resources');
  if (!Array.isArray(resources)) return false;
  const group = groupOf(object.apiVersion);
  const namespace = object.metadata.namespace ?? '';
  return resources.some((entry) => {
    const r = record(entry);
    // An entry Argo CD would prune is an object it found with its mark but not in git: the mark is all it has.
    if (!r || r.requiresPruning === true) return false;
    if (r.kind !== object.kind || r.name !== object.metadata.name) return false;
    if ((typeof r.namespace === 'string' ? r.namespace : '') !== namespace) return false;
    return r.group === undefined || r.group === null || r.group === group;
  });
}

/**
 * Whether the Application confirms a tracking-id naming it: its
 * status.resources lists the object when Argo CD has written that list (it
 * lists everything it applied); before then, the Application must be in one
 * of Argo CD's own namespaces (`argocdNamespaces`: one created elsewhere,
 * which Argo CD may well ignore, proves nothing until Argo CD lists what it
 * applied) and the object in its destination namespace when one is set.
 */
export function appConfirmsTracking(app: KubeObject, object: KubeObject, argocdNamespaces: readonly string[]): boolean {
  if (Array.isArray(at(app, 'status', 'resources'))) return appListsObject(app, object);
  if (!argocdNamespaces.includes(app.metadata.namespace ?? '')) return false;
  const destination = text(at(app, 'spec', 'destination', 'namespace'), 253);
  if (destination && object.metadata.namespace !== undefined && object.metadata.namespace !== destination) return false;
  return true;
}
