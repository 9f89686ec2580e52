/** Deployments: create, read, update and the three patch types Drover sends, dry and real, with their error paths. */
import { keepMeta, read, type Case } from '../case.js';
import { DEPLOYMENTS, deployment } from '../fixtures.js';

const WEB = `${DEPLOYMENTS}/web`;
const create = { name: 'create web', req: { method: 'POST' as const, path: DEPLOYMENTS, body: deployment() }, keep: keepMeta('rv', 'resourceVersion') };
const restart = { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-01-01T00:00:00Z' } } } } };

export const deploymentWriteCases: Case[] = [
  {
    name: 'deployments/create, read, list',
    steps: [
      create,
      { name: 'create again', req: { method: 'POST', path: DEPLOYMENTS, body: deployment() } },
      read(WEB),
      read(`${DEPLOYMENTS}/absent`, 'read a missing deployment'),
      { name: 'list by label', req: { method: 'GET', path: DEPLOYMENTS, query: [['labelSelector', 'app=web']] } },
      { name: 'list, bad label selector', req: { method: 'GET', path: DEPLOYMENTS, query: [['labelSelector', 'app==']] } },
    ],
  },
  {
    name: 'deployments/create dry run, invalid, unknown fields',
    steps: [
      { name: 'create dry run', req: { method: 'POST', path: DEPLOYMENTS, query: [['dryRun', 'All']], body: deployment('dry') } },
      read(`${DEPLOYMENTS}/dry`, 'read the dry-run deployment'),
      { name: 'create with dryRun=Bogus', req: { method: 'POST', path: DEPLOYMENTS, query: [['dryRun', 'Bogus']], body: deployment('dry') } },
      { name: 'create with replicas -1', req: { method: 'POST', path: DEPLOYMENTS, body: deployment('neg', -1) } },
      { name: 'create with a bad name', req: { method: 'POST', path: DEPLOYMENTS, body: deployment('Web_1') } },
      {
        name: 'create with unknown fields',
        req: { method: 'POST', path: DEPLOYMENTS, body: { ...deployment('extra'), bogus: 1, spec: { ...(deployment('extra').spec as object), bogusField: 'x' } } },
      },
      { name: 'create in a missing namespace', req: { method: 'POST', path: '/apis/apps/v1/namespaces/{ns}-absent/deployments', body: deployment() } },
    ],
  },
  {
    name: 'deployments/strategic merge patch (restart)',
    steps: [
      create,
      { name: 'restart, dry run', req: { method: 'PATCH', path: WEB, query: [['dryRun', 'All']], contentType: 'application/strategic-merge-patch+json', body: restart } },
      read(WEB, 'read after the dry run'),
      { name: 'restart', req: { method: 'PATCH', path: WEB, contentType: 'application/strategic-merge-patch+json', body: restart } },
      { name: 'restart again (no change)', req: { method: 'PATCH', path: WEB, contentType: 'application/strategic-merge-patch+json', body: restart } },
      read(WEB, 'read after the restart'),
      {
        name: 'strategic patch with an unknown field',
        req: { method: 'PATCH', path: WEB, contentType: 'application/strategic-merge-patch+json', body: { spec: { bogus: true, replicas: 3 } } },
      },
      { name: 'strategic patch, stale resourceVersion', req: { method: 'PATCH', path: WEB, contentType: 'application/strategic-merge-patch+json', body: { metadata: { resourceVersion: '{$rv}' }, spec: { replicas: 5 } } } },
      { name: 'strategic patch of a missing deployment', req: { method: 'PATCH', path: `${DEPLOYMENTS}/absent`, contentType: 'application/strategic-merge-patch+json', body: restart } },
      { name: 'patch, unsupported content type', req: { method: 'PATCH', path: WEB, contentType: 'text/plain', body: 'replicas: 3' } },
      { name: 'patch, malformed JSON', req: { method: 'PATCH', path: WEB, contentType: 'application/merge-patch+json', body: '{"spec":' } },
    ],
  },
  {
    name: 'deployments/merge patch with resourceVersion',
    steps: [
      create,
      { name: 'merge patch dry run', req: { method: 'PATCH', path: WEB, query: [['dryRun', 'All']], contentType: 'application/merge-patch+json', body: { metadata: { resourceVersion: '{$rv}' }, spec: { replicas: 4 } } } },
      read(WEB, 'read after the dry run'),
      { name: 'merge patch', req: { method: 'PATCH', path: WEB, contentType: 'application/merge-patch+json', body: { metadata: { resourceVersion: '{$rv}' }, spec: { replicas: 4 } } } },
      { name: 'merge patch, stale resourceVersion', req: { method: 'PATCH', path: WEB, contentType: 'application/merge-patch+json', body: { metadata: { resourceVersion: '{$rv}' }, spec: { replicas: 5 } } } },
      { name: 'merge patch, invalid replicas', req: { method: 'PATCH', path: WEB, contentType: 'application/merge-patch+json', body: { spec: { replicas: -3 } } } },
      { name: 'merge patch, replicas of the wrong type', req: { method: 'PATCH', path: WEB, contentType: 'application/merge-patch+json', body: { spec: { replicas: 'three' } } } },
      { name: 'merge patch, selector changed', req: { method: 'PATCH', path: WEB, contentType: 'application/merge-patch+json', body: { spec: { selector: { matchLabels: { app: 'other' } }, template: { metadata: { labels: { app: 'other' } } } } } } },
      read(WEB, 'read after the patches'),
    ],
  },
  {
    name: 'deployments/json patch (rollback)',
    steps: [
      create,
      {
        name: 'json patch dry run',
        req: {
          method: 'PATCH',
          path: WEB,
          query: [['dryRun', 'All']],
          contentType: 'application/json-patch+json',
          body: [
            { op: 'replace', path: '/metadata/resourceVersion', value: '{$rv}' },
            { op: 'replace', path: '/spec/template', value: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.18' }] } } },
          ],
        },
      },
      read(WEB, 'read after the dry run'),
      {
        name: 'json patch',
        req: {
          method: 'PATCH',
          path: WEB,
          contentType: 'application/json-patch+json',
          body: [
            { op: 'replace', path: '/metadata/resourceVersion', value: '{$rv}' },
            { op: 'replace', path: '/spec/template', value: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.18' }] } } },
          ],
        },
      },
      {
        name: 'json patch, stale resourceVersion',
        req: { method: 'PATCH', path: WEB, contentType: 'application/json-patch+json', body: [{ op: 'replace', path: '/metadata/resourceVersion', value: '{$rv}' }, { op: 'replace', path: '/spec/replicas', value: 1 }] },
      },
      { name: 'json patch, failed test op', req: { method: 'PATCH', path: WEB, contentType: 'application/json-patch+json', body: [{ op: 'test', path: '/spec/replicas', value: 9 }] } },
      { name: 'json patch, missing path', req: { method: 'PATCH', path: WEB, contentType: 'application/json-patch+json', body: [{ op: 'replace', path: '/spec/nothing/here', value: 1 }] } },
      { name: 'json patch, not a list', req: { method: 'PATCH', path: WEB, contentType: 'application/json-patch+json', body: { op: 'replace' } } },
      read(WEB, 'read after the patches'),
    ],
  },
  {
    name: 'deployments/update (PUT)',
    steps: [
      create,
      read(WEB),
      { name: 'update dry run', req: { method: 'PUT', path: WEB, query: [['dryRun', 'All']], body: { ...deployment('web', 6), metadata: { name: 'web', labels: { app: 'web' }, resourceVersion: '{$rv}' } } } },
      read(WEB, 'read after the dry run'),
      { name: 'update', req: { method: 'PUT', path: WEB, body: { ...deployment('web', 6), metadata: { name: 'web', labels: { app: 'web' }, resourceVersion: '{$rv}' } } } },
      { name: 'update, stale resourceVersion', req: { method: 'PUT', path: WEB, body: { ...deployment('web', 7), metadata: { name: 'web', labels: { app: 'web' }, resourceVersion: '{$rv}' } } } },
      { name: 'update, name does not match the URL', req: { method: 'PUT', path: WEB, body: deployment('other') } },
      { name: 'update of a missing deployment', req: { method: 'PUT', path: `${DEPLOYMENTS}/absent`, body: deployment('absent') } },
      read(WEB, 'read after the updates'),
    ],
  },
];
