/**
 * Minimal discovery answers: /version, /api, /apis, /api/v1, and
 * /apis/{group} and /apis/{group}/{version} for each served group (apps,
 * autoscaling, batch, policy, storage.k8s.io), as the emulated release lists them,
 * enough for clients that probe first (Drover picks its autoscaling version
 * from /apis).
 */
import { allResources, customResources, RESOURCES, type ResourceDef } from './resources.js';
import { servedGroupVersions } from './router.js';
import { servedVersion, type VersionProfile } from './versions.js';

function resourceList(groupVersion: string, defs: ResourceDef[], evictionVersion = 'v1'): unknown {
  const resources: unknown[] = [];
  for (const d of defs) {
    resources.push({
      name: d.resource,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: [...d.verbs],
      shortNames: d.shortNames,
    });
    for (const sub of d.subresources) {
      const kind = sub === 'scale' ? 'Scale' : sub === 'eviction' ? 'Eviction' : d.kind;
      const verbs = sub === 'log' ? ['get'] : sub === 'eviction' ? ['create'] : ['get', 'patch', 'update'];
      const entry: Record<string, unknown> = { name: `${d.resource}/${sub}`, singularName: '', namespaced: d.namespaced, kind, verbs };
      if (sub === 'scale') {
        entry.group = 'autoscaling';
        entry.version = 'v1';
      }
      if (sub === 'eviction') {
        entry.group = 'policy';
        entry.version = evictionVersion;
      }
      resources.push(entry);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

function apiGroup(group: string, versions: string[]): Record<string, unknown> {
  const list = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: list, preferredVersion: list[0] };
}

/** The discovery document for a path, or undefined when the path is not a discovery path. */
export function discovery(path: string, serverAddress: string, profile: VersionProfile): unknown {
  const clean = path.replace(/\/+$/, '') || '/';
  const groups = Object.entries(profile.groupVersions);
  // Groups that CustomResourceDefinitions add, with their served versions.
  for (const d of customResources(profile)) {
    const known = groups.find(([g]) => g === d.group);
    if (!known) groups.push([d.group, [d.version]]);
    else if (!known[1].includes(d.version)) known[1] = [...known[1], d.version];
  }
  switch (clean) {
    case '/version':
      return profile.info;
    case '/api':
      return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
    case '/apis':
      return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(([group, versions]) => apiGroup(group, versions)) };
    case '/api/v1':
      // Evictions are policy/v1 from 1.22; 1.21 still took v1beta1 there although it served policy/v1.
      return resourceList('v1', RESOURCES.filter((d) => d.group === ''), profile.policyVersion);
    default:
      break;
  }
  for (const [group, versions] of groups) {
    if (clean === `/apis/${group}`) return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, versions) };
  }
  for (const { group, version, prefix } of servedGroupVersions(profile)) {
    if (group !== '' && clean === prefix) {
      return resourceList(`${group}/${version}`, allResources(profile).filter((d) => d.group === group && servedVersion(profile, d) === version));
    }
  }
  return undefined;
}
