/** The deployments/scale subresource: read, merge patch (dry and real), PUT, and its errors. */
import { keepMeta, read, type Case } from '../case.js';
import { DEPLOYMENTS, deployment } from '../fixtures.js';

const SCALE = `${DEPLOYMENTS}/web/scale`;

export const scaleCases: Case[] = [
  {
    name: 'scale/read and merge patch',
    steps: [
      { name: 'create web', req: { method: 'POST', path: DEPLOYMENTS, body: deployment() } },
      { name: 'read scale', req: { method: 'GET', path: SCALE }, keep: keepMeta('rv', 'resourceVersion') },
      { name: 'patch scale, dry run', req: { method: 'PATCH', path: SCALE, query: [['dryRun', 'All']], contentType: 'application/merge-patch+json', body: { spec: { replicas: 5 } } } },
      { name: 'read scale after the dry run', req: { method: 'GET', path: SCALE } },
      { name: 'patch scale', req: { method: 'PATCH', path: SCALE, contentType: 'application/merge-patch+json', body: { spec: { replicas: 5 } } } },
      { name: 'patch scale, same value', req: { method: 'PATCH', path: SCALE, contentType: 'application/merge-patch+json', body: { spec: { replicas: 5 } } } },
      read(`${DEPLOYMENTS}/web`, 'read the deployment'),
      { name: 'patch scale to zero', req: { method: 'PATCH', path: SCALE, contentType: 'application/merge-patch+json', body: { spec: { replicas: 0 } } } },
      { name: 'patch scale, negative', req: { method: 'PATCH', path: SCALE, contentType: 'application/merge-patch+json', body: { spec: { replicas: -1 } } } },
      { name: 'patch scale, stale resourceVersion', req: { method: 'PATCH', path: SCALE, contentType: 'application/merge-patch+json', body: { metadata: { resourceVersion: '{$rv}' }, spec: { replicas: 2 } } } },
      { name: 'strategic patch scale', req: { method: 'PATCH', path: SCALE, contentType: 'application/strategic-merge-patch+json', body: { spec: { replicas: 3 } } } },
      { name: 'json patch scale', req: { method: 'PATCH', path: SCALE, contentType: 'application/json-patch+json', body: [{ op: 'replace', path: '/spec/replicas', value: 4 }] } },
      { name: 'read scale at the end', req: { method: 'GET', path: SCALE } },
    ],
  },
  {
    name: 'scale/update and errors',
    steps: [
      { name: 'create web', req: { method: 'POST', path: DEPLOYMENTS, body: deployment() } },
      { name: 'read scale', req: { method: 'GET', path: SCALE }, keep: keepMeta('rv', 'resourceVersion') },
      { name: 'update scale', req: { method: 'PUT', path: SCALE, body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: '{ns}', resourceVersion: '{$rv}' }, spec: { replicas: 3 } } } },
      { name: 'update scale, stale', req: { method: 'PUT', path: SCALE, body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: '{ns}', resourceVersion: '{$rv}' }, spec: { replicas: 4 } } } },
      { name: 'read scale of a missing deployment', req: { method: 'GET', path: `${DEPLOYMENTS}/absent/scale` } },
      { name: 'patch scale of a missing deployment', req: { method: 'PATCH', path: `${DEPLOYMENTS}/absent/scale`, contentType: 'application/merge-patch+json', body: { spec: { replicas: 1 } } } },
      { name: 'delete scale', req: { method: 'DELETE', path: SCALE } },
    ],
  },
];
