/**
 * Minimal discovery answers: /version, /api, /apis, /api/v1, and
 * /apis/{group} and /apis/{group}/{version} for each served group (apps,
 * autoscaling, batch, storage.k8s.io), enough for clients that probe first.
 */
import { RESOURCES, servedGroupVersions, type ResourceDef } from './resources.js';

export const FAKE_VERSION = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0-drover-fake',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2024-08-13T00:00:00Z',
  goVersion: 'go1.22.5',
  compiler: 'gc',
  platform: 'linux/amd64',
};

function resourceList(groupVersion: string, defs: ResourceDef[]): unknown {
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
      const kind = sub === 'scale' ? 'Scale' : d.kind;
      const verbs = sub === 'log' ? ['get'] : ['get', 'patch', 'update'];
      const entry: Record<string, unknown> = { name: `${d.resource}/${sub}`, singularName: '', namespaced: d.namespaced, kind, verbs };
      if (sub === 'scale') {
        entry.group = 'autoscaling';
        entry.version = 'v1';
      }
      resources.push(entry);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

function apiGroup(group: string, version: string): Record<string, unknown> {
  const groupVersion = { groupVersion: `${group}/${version}`, version };
  return { name: group, versions: [groupVersion], preferredVersion: groupVersion };
}

const GROUPS = servedGroupVersions().filter((gv) => gv.group !== '');

/** The discovery document for a path, or undefined when the path is not a discovery path. */
export function discovery(path: string, serverAddress: string): unknown {
  const clean = path.replace(/\/+$/, '') || '/';
  switch (clean) {
    case '/version':
      return FAKE_VERSION;
    case '/api':
      return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
    case '/apis':
      return { kind: 'APIGroupList', apiVersion: 'v1', groups: GROUPS.map((g) => apiGroup(g.group, g.version)) };
    case '/api/v1':
      return resourceList('v1', RESOURCES.filter((d) => d.group === ''));
    default:
      break;
  }
  for (const { group, version, prefix } of GROUPS) {
    if (clean === `/apis/${group}`) return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, version) };
    if (clean === prefix) return resourceList(`${group}/${version}`, RESOURCES.filter((d) => d.group === group));
  }
  return undefined;
}
