/**
 * DELETE of pods as Drover sends it (DeleteOptions in the body), dry and
 * real: a body's dryRun is honoured, a query's dryRun next to a body is
 * ignored (the delete is real), graceful deletion of a scheduled pod, uid
 * preconditions.
 */
import { keepMeta, read, type Case } from '../case.js';
import { node, pod, PODS } from '../fixtures.js';

const SOLO = `${PODS}/solo`;
const PLACED = `${PODS}/placed`;
const createSolo = { name: 'create an unscheduled pod', req: { method: 'POST' as const, path: PODS, body: pod('solo') }, keep: keepMeta('uid', 'uid') };
const createPlaced = { name: 'create a scheduled pod', req: { method: 'POST' as const, path: PODS, body: pod('placed', '{ns}-node') }, keep: keepMeta('uid', 'uid') };
const createNode = { name: 'create its node', req: { method: 'POST' as const, path: '/api/v1/nodes', body: node('{ns}-node') } };

export const podDeleteCases: Case[] = [
  {
    name: 'pods/delete dry run, options in the body',
    steps: [
      createSolo,
      { name: 'delete, body dryRun', req: { method: 'DELETE', path: SOLO, body: { dryRun: ['All'] } } },
      read(SOLO, 'read after the dry run'),
      { name: 'delete, body dryRun and grace period', req: { method: 'DELETE', path: SOLO, body: { gracePeriodSeconds: 5, dryRun: ['All'] } } },
      { name: 'delete, body dryRun=Bogus', req: { method: 'DELETE', path: SOLO, body: { dryRun: ['Bogus'] } } },
      { name: 'delete, query dryRun, no body', req: { method: 'DELETE', path: SOLO, query: [['dryRun', 'All']] } },
      read(SOLO, 'read after the query dry run'),
      { name: 'delete, query dryRun next to a body (ignored: real delete)', req: { method: 'DELETE', path: SOLO, query: [['dryRun', 'All']], body: { gracePeriodSeconds: 0 } } },
      read(SOLO, 'read after the ignored dry run'),
    ],
  },
  {
    name: 'pods/delete with uid preconditions',
    steps: [
      createSolo,
      { name: 'delete, wrong uid', req: { method: 'DELETE', path: SOLO, body: { preconditions: { uid: '00000000-0000-0000-0000-000000000000' } } } },
      { name: 'delete, stale resourceVersion', req: { method: 'DELETE', path: SOLO, body: { preconditions: { resourceVersion: '1' } } } },
      { name: 'delete, right uid, dry run', req: { method: 'DELETE', path: SOLO, body: { preconditions: { uid: '{$uid}' }, dryRun: ['All'] } } },
      { name: 'delete, right uid', req: { method: 'DELETE', path: SOLO, body: { preconditions: { uid: '{$uid}' } } } },
      read(SOLO, 'read after the delete'),
      { name: 'delete again', req: { method: 'DELETE', path: SOLO, body: {} } },
    ],
  },
  {
    name: 'pods/graceful delete of a scheduled pod',
    steps: [
      createNode,
      createPlaced,
      { name: 'graceful delete, dry run', req: { method: 'DELETE', path: PLACED, body: { gracePeriodSeconds: 30, dryRun: ['All'] } } },
      read(PLACED, 'read after the dry run'),
      { name: 'graceful delete', req: { method: 'DELETE', path: PLACED, body: { gracePeriodSeconds: 30 } } },
      read(PLACED, 'read the terminating pod'),
      { name: 'graceful delete again, shorter', req: { method: 'DELETE', path: PLACED, body: { gracePeriodSeconds: 10 } } },
      { name: 'list pods', req: { method: 'GET', path: PODS } },
      { name: 'delete now', req: { method: 'DELETE', path: PLACED, body: { gracePeriodSeconds: 0 } } },
      read(PLACED, 'read after deleting now'),
    ],
  },
  {
    name: 'pods/reads and list selectors',
    steps: [
      createSolo,
      read(SOLO),
      { name: 'list by label', req: { method: 'GET', path: PODS, query: [['labelSelector', 'app=solo']] } },
      { name: 'list by phase', req: { method: 'GET', path: PODS, query: [['fieldSelector', 'status.phase=Pending']] } },
      { name: 'list by job-name label', req: { method: 'GET', path: PODS, query: [['labelSelector', 'job-name=report']] } },
      { name: 'list, unknown field selector', req: { method: 'GET', path: PODS, query: [['fieldSelector', 'spec.bogus=1']] } },
      read(`${PODS}/absent`, 'read a missing pod'),
    ],
  },
];
