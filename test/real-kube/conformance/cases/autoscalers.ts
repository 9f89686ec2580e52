/** HorizontalPodAutoscalers at autoscaling/v2beta2 (1.20 has no v2): read, and the maxReplicas merge patch Drover sends. */
import { keepMeta, read, type Case } from '../case.js';

const HPAS = '/apis/autoscaling/v2beta2/namespaces/{ns}/horizontalpodautoscalers';
const HPA = `${HPAS}/web`;
const MERGE = 'application/merge-patch+json';

const hpa = {
  apiVersion: 'autoscaling/v2beta2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web' },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 6 },
};

export const autoscalerCases: Case[] = [
  {
    name: 'hpa/read and raise maxReplicas',
    steps: [
      { name: 'create hpa', req: { method: 'POST', path: HPAS, body: hpa }, keep: keepMeta('rv', 'resourceVersion') },
      read(HPA),
      { name: 'raise max, dry run', req: { method: 'PATCH', path: HPA, query: [['dryRun', 'All']], contentType: MERGE, body: { metadata: { resourceVersion: '{$rv}' }, spec: { maxReplicas: 10 } } } },
      read(HPA, 'read after the dry run'),
      { name: 'raise max', req: { method: 'PATCH', path: HPA, contentType: MERGE, body: { metadata: { resourceVersion: '{$rv}' }, spec: { maxReplicas: 10 } } } },
      { name: 'raise max, stale resourceVersion', req: { method: 'PATCH', path: HPA, contentType: MERGE, body: { metadata: { resourceVersion: '{$rv}' }, spec: { maxReplicas: 12 } } } },
      { name: 'max below min', req: { method: 'PATCH', path: HPA, contentType: MERGE, body: { spec: { maxReplicas: 1 } } } },
      { name: 'max of the wrong type', req: { method: 'PATCH', path: HPA, contentType: MERGE, body: { spec: { maxReplicas: 'ten' } } } },
      { name: 'an unknown field', req: { method: 'PATCH', path: HPA, contentType: MERGE, body: { spec: { maxReplica: 20 } } } },
      read(HPA, 'read at the end'),
      read(`${HPAS}/absent`, 'read a missing hpa'),
      { name: 'patch a missing hpa', req: { method: 'PATCH', path: `${HPAS}/absent`, contentType: MERGE, body: { spec: { maxReplicas: 3 } } } },
      { name: 'list hpas', req: { method: 'GET', path: HPAS } },
    ],
  },
];
