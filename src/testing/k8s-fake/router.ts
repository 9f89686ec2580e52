/**
 * Maps a request path and method to a resource, scope and Kubernetes verb,
 * the way the API server's RequestInfo resolver does.
 */
import { allResources, customResources, resourceInGroup, type ResourceDef, type Verb } from './resources.js';
import { methodNotAllowed, pageNotFound, pathNotFound } from './status.js';
import { servedVersion, type VersionProfile } from './versions.js';

export interface ResourceRoute {
  def: ResourceDef;
  /** Set for namespaced requests; undefined for cluster-scoped and all-namespaces lists. */
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** The group versions served under a profile, with their URL prefix: `/api/v1`, `/apis/apps/v1`... */
export function servedGroupVersions(profile: VersionProfile): { group: string; version: string; prefix: string }[] {
  const seen = new Map<string, { group: string; version: string; prefix: string }>();
  for (const d of allResources(profile)) {
    const version = servedVersion(profile, d);
    const prefix = d.group ? `/apis/${d.group}/${version}` : `/api/${version}`;
    if (!seen.has(prefix)) seen.set(prefix, { group: d.group, version, prefix });
  }
  return [...seen.values()];
}

function segmentsAfter(path: string, profile: VersionProfile): { group: string; version: string; segments: string[] } | undefined {
  for (const { prefix, group, version } of servedGroupVersions(profile)) {
    if (path === prefix || path.startsWith(`${prefix}/`)) {
      const rest = path.slice(prefix.length).split('/').filter((s) => s !== '');
      return { group, version, segments: rest.map((s) => decodeURIComponent(s)) };
    }
  }
  return undefined;
}

/**
 * The resource a path names, or undefined when it names none. Like the real
 * server, a path under a group it does not know at all is the mux's plain
 * text 404, and an unknown version or resource of a known group a Status.
 */
export function parseResourcePath(path: string, profile: VersionProfile): ResourceRoute | undefined {
  const clean = path.replace(/\/+$/, '');
  const parsed = segmentsAfter(clean, profile);
  if (!parsed) {
    const group = /^\/apis\/([^/]+)/.exec(clean)?.[1];
    if (group !== undefined && profile.groupVersions[group] === undefined && !customResources(profile).some((d) => d.group === group)) throw pageNotFound();
    return undefined;
  }
  if (parsed.segments.length === 0) return undefined;
  const { group, version, segments } = parsed;
  const [first, second, third, fourth, fifth, ...extra] = segments;
  if (first === 'namespaces' && second !== undefined && third !== undefined) {
    const def = resourceInGroup(group, third, profile, version);
    if (def?.namespaced && extra.length === 0) {
      const route: ResourceRoute = { def, namespace: second };
      if (fourth !== undefined) route.name = fourth;
      if (fifth !== undefined) route.subresource = fifth;
      return route;
    }
    // Unknown resources, and namespace subresources (status, finalize), are not served.
    throw pathNotFound();
  }
  const def = first === undefined ? undefined : resourceInGroup(group, first, profile, version);
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
  } else if (subresource === 'eviction') {
    // POST only: an Eviction is created, never read.
    if (method === 'POST') verb = 'create';
  } else {
    const byMethod: Record<string, Verb> = { GET: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
    verb = byMethod[method];
    if ((subresource === 'scale' || subresource === 'status') && verb === 'delete') verb = undefined;
  }
  if (!verb || !def.verbs.includes(verb)) throw methodNotAllowed();
  return verb;
}

/** `deployments/scale` style name used by RBAC and by Drover's hooks. */
export function resourceName(route: ResourceRoute): string {
  return route.subresource ? `${route.def.resource}/${route.subresource}` : route.def.resource;
}

