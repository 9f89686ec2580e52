/** 401 for a token the server does not know, RBAC's 403 wording, and impersonation (the server checks the impersonate verb). */
import type { Case } from '../case.js';
import { TOKENS } from '../../cluster.js';
import { DEPLOYMENTS, deployment, PODS } from '../fixtures.js';

const WEB = `${DEPLOYMENTS}/web`;

export const authCases: Case[] = [
  {
    name: 'auth/401 and 403',
    steps: [
      { name: 'create web', req: { method: 'POST', path: DEPLOYMENTS, body: deployment() } },
      { name: 'a bad token', req: { method: 'GET', path: WEB, token: 'not-a-token' } },
      { name: 'no token', req: { method: 'GET', path: WEB, token: null } },
      { name: 'nobody reads a deployment', req: { method: 'GET', path: WEB, token: TOKENS.nobody } },
      { name: 'nobody lists pods', req: { method: 'GET', path: PODS, token: TOKENS.nobody } },
      { name: 'nobody lists nodes', req: { method: 'GET', path: '/api/v1/nodes', token: TOKENS.nobody } },
      {
        name: 'nobody patches the scale',
        req: { method: 'PATCH', path: `${WEB}/scale`, token: TOKENS.nobody, contentType: 'application/merge-patch+json', body: { spec: { replicas: 1 } } },
      },
      { name: 'nobody deletes a pod', req: { method: 'DELETE', path: `${PODS}/x`, token: TOKENS.nobody, body: { dryRun: ['All'] } } },
      { name: 'nobody reads pod logs', req: { method: 'GET', path: `${PODS}/x/log`, token: TOKENS.nobody } },
      { name: 'nobody reads discovery', req: { method: 'GET', path: '/apis/autoscaling', token: TOKENS.nobody } },
    ],
  },
  {
    name: 'auth/impersonation',
    steps: [
      { name: 'create web', req: { method: 'POST', path: DEPLOYMENTS, body: deployment() } },
      { name: 'admin as alice', req: { method: 'GET', path: WEB, headers: [['Impersonate-User', 'alice']] } },
      {
        name: 'admin as alice, two groups',
        req: { method: 'PATCH', path: WEB, contentType: 'application/merge-patch+json', body: { spec: { replicas: 1 } }, headers: [['Impersonate-User', 'alice'], ['Impersonate-Group', 'sre'], ['Impersonate-Group', 'oncall']] },
      },
      { name: 'admin as alice in system:masters', req: { method: 'GET', path: WEB, headers: [['Impersonate-User', 'alice'], ['Impersonate-Group', 'system:masters']] } },
      { name: 'nobody as alice', req: { method: 'GET', path: WEB, token: TOKENS.nobody, headers: [['Impersonate-User', 'alice']] } },
    ],
  },
];
