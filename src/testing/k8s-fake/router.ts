/**
 * Maps a request path and method to a resource, scope and Kubernetes verb,
 * the way the API server's RequestInfo resolver does.
 */
import { resourceInGroup, servedGroupVersions, type ResourceDef, type Verb } from './resources.js';
import { methodNotAllowed, pathNotFound } from './status.js';

export interface ResourceRoute {
  def: ResourceDef;
  /** Set for namespaced requests; undefined for cluster-scoped and all-namespaces lists. */
  namespace?: string;
  name?: string;
  subresource?: string;
}

const SERVED = servedGroupVersions();

function segmentsAfter(path: string): { group: string; segments: string[] } | undefined {
  for (const { prefix, group } of SERVED) {
    if (path === prefix || path.startsWith(`${prefix}/`)) {
      const rest = path.slice(prefix.length).split('/').filter((s) => s !== '');
      return { group, segments: rest.map((s) => decodeURIComponent(s)) };
    }
  }
  return undefined;
}

/** The resource a path names, or undefined when it names none (discovery or unknown paths). */
export function parseResourcePath(path: string): ResourceRoute | undefined {
  const parsed = segmentsAfter(path.replace(/\/+$/, ''));
  if (!parsed || parsed.segments.length === 0) return undefined;
  const { group, segments } = parsed;
  const [first, second, third, fourth, fifth, ...extra] = segments;
  if (first === 'namespaces' && second !== undefined && third !== undefined) {
    const def = resourceInGroup(group, third);
    if (def?.namespaced && extra.length === 0) {
      const route: ResourceRoute = { def, namespace: second };
      if (fourth !== undefined) route.name = fourth;
      if (fifth !== undefined) route.subresource = fifth;
      return route;
    }
    // Unknown resources, and namespace subresources (status, finalize), are not served.
    throw pathNotFound();
  }
  const def = first === undefined ? undefined : resourceInGroup(group, first);
  if (!def || segments.length > 3) throw pathNotFound();
  if (def.namespaced && second !== undefined) throw pathNotFound();
  const route: ResourceRoute = { def };
  if (second !== undefined) route.name = second;
  if (third !== undefined) route.subresource = third;
  return route;
}

/** The Kubernetes verb for a method on a route; 405 or 404 like the server when there is none. */
export function verbFor(route: ResourceRoute, method: string, query: URLSearchParams): Verb {
  const { def, name, subresource } = route;
  if (subresource !== undefined && !def.subresources.includes(subresource)) throw pathNotFound();
  let verb: Verb | undefined;
  if (name === undefined) {
    if (method === 'GET' && query.get('watch') !== 'true' && query.get('watch') !== '1') verb = 'list';
    // POST to an all-namespaces path has nowhere to create the object.
    if (method === 'POST' && (!def.namespaced || route.namespace !== undefined)) verb = 'create';
  } else if (subresource === 'log') {
    if (method === 'GET') verb = 'get';
  } else {
    const byMethod: Record<string, Verb> = { GET: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
    verb = byMethod[method];
    if (subresource === 'scale' && verb === 'delete') verb = undefined;
  }
  if (!verb || !def.verbs.includes(verb)) throw methodNotAllowed();
  return verb;
}

/** `deployments/scale` style name used by RBAC and by Drover's hooks. */
export function resourceName(route: ResourceRoute): string {
  return route.subresource ? `${route.def.resource}/${route.subresource}` : route.def.resource;
}

