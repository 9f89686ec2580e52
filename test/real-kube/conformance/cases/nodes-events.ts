/** Node cordon/uncordon (strategic merge of spec.unschedulable) and events listed by field selectors. */
import { read, type Case } from '../case.js';
import { node } from '../fixtures.js';

const NODE = '/api/v1/nodes/{ns}-node';
const EVENTS = '/api/v1/namespaces/{ns}/events';
const SMP = 'application/strategic-merge-patch+json';

function event(name: string, kind: string, object: string, reason: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name },
    involvedObject: { kind, name: object, namespace: '{ns}', apiVersion: kind === 'Pod' ? 'v1' : 'apps/v1' },
    reason,
    message: `${reason} for ${object}`,
    type: 'Warning',
    source: { component: 'kubelet' },
    count: 1,
  };
}

export const nodeAndEventCases: Case[] = [
  {
    name: 'nodes/cordon and uncordon',
    steps: [
      { name: 'create node', req: { method: 'POST', path: '/api/v1/nodes', body: node('{ns}-node') } },
      { name: 'cordon, dry run', req: { method: 'PATCH', path: NODE, query: [['dryRun', 'All']], contentType: SMP, body: { spec: { unschedulable: true } } } },
      read(NODE, 'read after the dry run'),
      { name: 'cordon', req: { method: 'PATCH', path: NODE, contentType: SMP, body: { spec: { unschedulable: true } } } },
      { name: 'list cordoned nodes', req: { method: 'GET', path: '/api/v1/nodes', query: [['fieldSelector', 'spec.unschedulable=true,metadata.name={ns}-node']] } },
      { name: 'uncordon', req: { method: 'PATCH', path: NODE, contentType: SMP, body: { spec: { unschedulable: null } } } },
      read(NODE, 'read after uncordon'),
      { name: 'cordon, wrong type', req: { method: 'PATCH', path: NODE, contentType: SMP, body: { spec: { unschedulable: 'yes' } } } },
      { name: 'cordon a missing node', req: { method: 'PATCH', path: '/api/v1/nodes/{ns}-absent', contentType: SMP, body: { spec: { unschedulable: true } } } },
      read('/api/v1/nodes/{ns}-absent', 'read a missing node'),
    ],
  },
  {
    name: 'events/list by field selector',
    steps: [
      { name: 'create event 1', req: { method: 'POST', path: EVENTS, body: event('e1', 'Pod', 'web-1', 'BackOff') } },
      { name: 'create event 2', req: { method: 'POST', path: EVENTS, body: event('e2', 'Deployment', 'web', 'ScalingReplicaSet') } },
      { name: 'list all', req: { method: 'GET', path: EVENTS } },
      { name: 'list by object name and kind', req: { method: 'GET', path: EVENTS, query: [['fieldSelector', 'involvedObject.name=web-1,involvedObject.kind=Pod']] } },
      { name: 'list by reason', req: { method: 'GET', path: EVENTS, query: [['fieldSelector', 'reason=ScalingReplicaSet']] } },
      { name: 'list by an unknown field', req: { method: 'GET', path: EVENTS, query: [['fieldSelector', 'involvedObject.bogus=x']] } },
      { name: 'list, malformed selector', req: { method: 'GET', path: EVENTS, query: [['fieldSelector', 'reason']] } },
    ],
  },
];
