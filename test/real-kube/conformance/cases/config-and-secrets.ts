/**
 * ConfigMaps and Secrets, as ctx.k8s's generic calls write them: a Secret's
 * stringData folded into data, and server-side apply by `drover` over an
 * object created by a plain POST, whose fields that POST's manager owns (a
 * conflict unless forced), as kube-apiserver tracks Update managers too.
 */
import { read, type Case } from '../case.js';

const CONFIGMAPS = '/api/v1/namespaces/{ns}/configmaps';
const SECRETS = '/api/v1/namespaces/{ns}/secrets';
const APPLY = 'application/apply-patch+yaml';

const configMap = (mode: string, extra: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode, ...extra } });
const secret = (stringData: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData });

export const configAndSecretCases: Case[] = [
  {
    name: 'apply/over a POST-created ConfigMap',
    steps: [
      { name: 'create by POST', req: { method: 'POST', path: CONFIGMAPS, body: configMap('fast') } },
      { name: 'apply the same value: no conflict', req: { method: 'PATCH', path: `${CONFIGMAPS}/settings`, query: [['fieldManager', 'drover']], contentType: APPLY, body: configMap('fast') } },
      { name: 'apply a new key: no conflict', req: { method: 'PATCH', path: `${CONFIGMAPS}/settings`, query: [['fieldManager', 'drover']], contentType: APPLY, body: configMap('fast', { extra: 'x' }) } },
      { name: 'apply another value: conflict with the POST', req: { method: 'PATCH', path: `${CONFIGMAPS}/settings`, query: [['fieldManager', 'drover']], contentType: APPLY, body: configMap('safe', { extra: 'x' }) } },
      { name: 'dry run, forced', req: { method: 'PATCH', path: `${CONFIGMAPS}/settings`, query: [['fieldManager', 'drover'], ['force', 'true'], ['dryRun', 'All']], contentType: APPLY, body: configMap('safe', { extra: 'x' }) } },
      read(`${CONFIGMAPS}/settings`, 'unchanged by the dry run'),
      { name: 'forced', req: { method: 'PATCH', path: `${CONFIGMAPS}/settings`, query: [['fieldManager', 'drover'], ['force', 'true']], contentType: APPLY, body: configMap('safe', { extra: 'x' }) } },
      { name: 'a merge patch by another manager takes mode over', req: { method: 'PATCH', path: `${CONFIGMAPS}/settings`, query: [['fieldManager', 'kubectl-edit']], contentType: 'application/merge-patch+json', body: { data: { mode: 'slow' } } } },
      { name: 'drover applies again: conflict with the patch', req: { method: 'PATCH', path: `${CONFIGMAPS}/settings`, query: [['fieldManager', 'drover']], contentType: APPLY, body: configMap('safe', { extra: 'x' }) } },
      read(`${CONFIGMAPS}/settings`, 'read at the end'),
    ],
  },
  {
    name: 'secret/stringData',
    steps: [
      { name: 'create with stringData', req: { method: 'POST', path: SECRETS, body: secret({ password: 'first' }) } },
      { name: 'merge patch stringData over data', req: { method: 'PATCH', path: `${SECRETS}/db`, contentType: 'application/merge-patch+json', body: { stringData: { password: 'second', user: 'app' } } } },
      { name: 'dry-run apply', req: { method: 'PATCH', path: `${SECRETS}/db`, query: [['fieldManager', 'drover'], ['force', 'true'], ['dryRun', 'All']], contentType: APPLY, body: secret({ password: 'third' }) } },
      read(`${SECRETS}/db`, 'read at the end'),
    ],
  },
];
