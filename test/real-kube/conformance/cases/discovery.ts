/**
 * Discovery as Drover reads it (which autoscaling versions the cluster
 * serves), and 404s for APIs that are not there: an unknown group, a
 * version the release lacks (autoscaling/v2 on 1.20), an unknown resource.
 */
import type { Case } from '../case.js';

/** The groups Drover uses; the real server lists many more, the fake only these. */
const DROVER_GROUPS = ['apps', 'autoscaling', 'batch', 'storage.k8s.io'];

function groupsDroverReads(body: unknown): unknown {
  const groups = (body as { groups?: { name: string }[] }).groups ?? [];
  return groups.filter((g) => DROVER_GROUPS.includes(g.name)).sort((a, b) => a.name.localeCompare(b.name));
}

/** name, kind and scope of the resources a group version serves (what a client looks up), not the verbs. */
function resourcesDroverReads(names: string[]): (body: unknown) => unknown {
  return (body) => {
    const doc = body as { kind?: string; groupVersion?: string; resources?: { name: string; kind: string; namespaced: boolean }[] };
    const resources = (doc.resources ?? []).filter((r) => names.includes(r.name)).map(({ name, kind, namespaced }) => ({ name, kind, namespaced }));
    return { kind: doc.kind, groupVersion: doc.groupVersion, resources };
  };
}

export const discoveryCases: Case[] = [
  {
    name: 'discovery/groups and versions',
    steps: [
      { name: '/apis, the groups Drover uses', req: { method: 'GET', path: '/apis' }, view: groupsDroverReads },
      { name: '/apis/autoscaling', req: { method: 'GET', path: '/apis/autoscaling' } },
      {
        name: '/apis/autoscaling/v2beta2',
        req: { method: 'GET', path: '/apis/autoscaling/v2beta2' },
        view: resourcesDroverReads(['horizontalpodautoscalers']),
      },
      { name: '/apis/apps/v1', req: { method: 'GET', path: '/apis/apps/v1' }, view: resourcesDroverReads(['deployments', 'deployments/scale', 'replicasets']) },
      { name: '/apis/apps', req: { method: 'GET', path: '/apis/apps' } },
      { name: '/version, major and minor', req: { method: 'GET', path: '/version' }, view: (b) => ({ major: (b as { major?: string }).major, minor: (b as { minor?: string }).minor }) },
    ],
  },
  {
    name: 'discovery/404 for APIs that are not served',
    steps: [
      { name: 'autoscaling/v2 (1.23+)', req: { method: 'GET', path: '/apis/autoscaling/v2' } },
      { name: 'an HPA at autoscaling/v2', req: { method: 'GET', path: '/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers/web' } },
      { name: 'an unknown group', req: { method: 'GET', path: '/apis/nope.example.com/v1/namespaces/{ns}/things' } },
      { name: 'an unknown resource of apps/v1', req: { method: 'GET', path: '/apis/apps/v1/namespaces/{ns}/widgets' } },
      { name: 'an unknown subresource', req: { method: 'GET', path: '/apis/apps/v1/namespaces/{ns}/deployments/web/bogus' } },
      { name: 'DELETE of the scale subresource', req: { method: 'DELETE', path: '/apis/apps/v1/namespaces/{ns}/deployments/web/scale' } },
    ],
  },
];
