/** Logs of pods that never ran: no node (204, no body), a node with no kubelet, a wrong container, a missing pod. */
import type { Case } from '../case.js';
import { node, pod, PODS } from '../fixtures.js';

export const podLogCases: Case[] = [
  {
    name: 'pods/logs of pods that never ran',
    steps: [
      { name: 'create an unscheduled pod', req: { method: 'POST', path: PODS, body: pod('solo') } },
      { name: 'logs, no node', req: { method: 'GET', path: `${PODS}/solo/log` } },
      { name: 'logs, no node, tailLines', req: { method: 'GET', path: `${PODS}/solo/log`, query: [['tailLines', '50'], ['container', 'app']] } },
      { name: 'logs, wrong container', req: { method: 'GET', path: `${PODS}/solo/log`, query: [['container', 'nope']] } },
      { name: 'logs, previous', req: { method: 'GET', path: `${PODS}/solo/log`, query: [['previous', 'true']] } },
      { name: 'create a node', req: { method: 'POST', path: '/api/v1/nodes', body: node('{ns}-node') } },
      { name: 'create a scheduled pod', req: { method: 'POST', path: PODS, body: pod('placed', '{ns}-node') } },
      { name: 'logs, node without a kubelet', req: { method: 'GET', path: `${PODS}/placed/log` } },
      { name: 'create a pod on a missing node', req: { method: 'POST', path: PODS, body: pod('lost', '{ns}-gone') } },
      { name: 'logs, missing node', req: { method: 'GET', path: `${PODS}/lost/log` } },
      { name: 'logs, missing pod', req: { method: 'GET', path: `${PODS}/absent/log` } },
    ],
  },
];
