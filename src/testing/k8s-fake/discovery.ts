/**
 * Minimal discovery answers: /version, /api, /apis, /api/v1, /apis/apps,
 * /apis/apps/v1, enough for clients that probe the server first.
 */
import { RESOURCES, type ResourceDef } from './resources.js';

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

function appsGroup(): Record<string, unknown> {
  const version = { groupVersion: 'apps/v1', version: 'v1' };
  return { name: 'apps', versions: [version], preferredVersion: version };
}

/** The discovery document for a path, or undefined when the path is not a discovery path. */
export function discovery(path: string, serverAddress: string): unknown {
  switch (path.replace(/\/+$/, '') || '/') {
    case '/version':
      return FAKE_VERSION;
    case '/api':
      return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
    case '/apis':
      return { kind: 'APIGroupList', apiVersion: 'v1', groups: [appsGroup()] };
    case '/apis/apps':
      return { kind: 'APIGroup', apiVersion: 'v1', ...appsGroup() };
    case '/api/v1':
      return resourceList('v1', RESOURCES.filter((d) => d.group === ''));
    case '/apis/apps/v1':
      return resourceList('apps/v1', RESOURCES.filter((d) => d.group === 'apps'));
    default:
      return undefined;
  }
}
