/**
 * The Eviction API as Drover's drain sends it, and PodDisruptionBudgets:
 * 1.20 takes only policy/v1beta1 Evictions; a dry run (in the DeleteOptions,
 * or the query and the DeleteOptions) changes nothing; a Pending pod is
 * evicted whatever its budget says; a Running pod's budget must allow a
 * disruption (429 while the budget is unprocessed or has none left) and a
 * real eviction records the pod in the budget's status; a missing pod, a
 * name mismatch, a uid precondition that fails.
 */
import { keepMeta, read, type Case } from '../case.js';
import { node, PODS } from '../fixtures.js';

const PDBS = '/apis/policy/v1beta1/namespaces/{ns}/poddisruptionbudgets';
const PDB = `${PDBS}/web`;
const JSON_PATCH = 'application/json-patch+json';

function webPod(name: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' } }, spec: { nodeName: '{ns}-node', containers: [{ name: 'app', image: 'busybox:1.36' }] } };
}

function eviction(name: string, options?: Record<string, unknown>, apiVersion = 'policy/v1beta1'): Record<string, unknown> {
  return { apiVersion, kind: 'Eviction', metadata: { name, namespace: '{ns}' }, ...(options ? { deleteOptions: options } : {}) };
}

const evictPath = (name: string) => `${PODS}/${name}/eviction`;
// Both condition times given: the real server writes an unset one as null (Go's zero time), which is not what this case is about.
const running = [{ op: 'add', path: '/status', value: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z' }] } }];
const budget = (allowed: number) => [
  { op: 'add', path: '/status', value: { observedGeneration: 1, disruptionsAllowed: allowed, currentHealthy: 2, desiredHealthy: 2 - allowed, expectedPods: 2 } },
];

export const evictionCases: Case[] = [
  {
    name: 'pods/eviction of a pod with no budget, dry and real',
    steps: [
      { name: 'create the node', req: { method: 'POST', path: '/api/v1/nodes', body: node('{ns}-node') } },
      { name: 'create a scheduled pod', req: { method: 'POST', path: PODS, body: webPod('a') }, keep: keepMeta('uid', 'uid') },
      { name: 'evict with a policy/v1 Eviction (not served by 1.20)', req: { method: 'POST', path: evictPath('a'), body: eviction('a', undefined, 'policy/v1') } },
      { name: 'evict, dryRun in the DeleteOptions', req: { method: 'POST', path: evictPath('a'), body: eviction('a', { dryRun: ['All'] }) } },
      read(`${PODS}/a`, 'read after the body dry run'),
      { name: 'evict, dryRun in the query and the DeleteOptions', req: { method: 'POST', path: evictPath('a'), query: [['dryRun', 'All']], body: eviction('a', { dryRun: ['All'] }) } },
      read(`${PODS}/a`, 'read after the query dry run'),
      { name: 'evict, wrong uid', req: { method: 'POST', path: evictPath('a'), body: eviction('a', { preconditions: { uid: '00000000-0000-0000-0000-000000000000' } }) } },
      { name: 'evict, name mismatch', req: { method: 'POST', path: evictPath('a'), body: eviction('b') } },
      { name: 'evict a missing pod', req: { method: 'POST', path: evictPath('absent'), body: eviction('absent') } },
      { name: 'evict, right uid', req: { method: 'POST', path: evictPath('a'), body: eviction('a', { preconditions: { uid: '{$uid}' } }) } },
      read(`${PODS}/a`, 'read the terminating pod'),
      { name: 'evict the terminating pod again', req: { method: 'POST', path: evictPath('a'), body: eviction('a') } },
    ],
  },
  {
    name: 'pods/eviction honours a PodDisruptionBudget',
    steps: [
      { name: 'create the node', req: { method: 'POST', path: '/api/v1/nodes', body: node('{ns}-node') } },
      { name: 'create pod a', req: { method: 'POST', path: PODS, body: webPod('a') } },
      { name: 'create pod b', req: { method: 'POST', path: PODS, body: webPod('b') } },
      { name: 'create the budget', req: { method: 'POST', path: PDBS, body: { apiVersion: 'policy/v1beta1', kind: 'PodDisruptionBudget', metadata: { name: 'web' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } } } },
      { name: 'evict a Pending pod, dry run (the budget is not asked)', req: { method: 'POST', path: evictPath('a'), query: [['dryRun', 'All']], body: eviction('a', { dryRun: ['All'] }) } },
      { name: 'pod a runs', req: { method: 'PATCH', path: `${PODS}/a/status`, contentType: JSON_PATCH, body: running } },
      { name: 'pod b runs', req: { method: 'PATCH', path: `${PODS}/b/status`, contentType: JSON_PATCH, body: running } },
      { name: 'evict a running pod, budget not processed yet', req: { method: 'POST', path: evictPath('a'), query: [['dryRun', 'All']], body: eviction('a', { dryRun: ['All'] }) } },
      { name: 'the budget allows none', req: { method: 'PATCH', path: `${PDB}/status`, contentType: JSON_PATCH, body: budget(0) } },
      { name: 'evict, dry run, blocked', req: { method: 'POST', path: evictPath('a'), query: [['dryRun', 'All']], body: eviction('a', { dryRun: ['All'] }) } },
      { name: 'evict, blocked', req: { method: 'POST', path: evictPath('a'), body: eviction('a') } },
      { name: 'the budget allows one', req: { method: 'PATCH', path: `${PDB}/status`, contentType: JSON_PATCH, body: budget(1) } },
      { name: 'evict, dry run, allowed', req: { method: 'POST', path: evictPath('a'), query: [['dryRun', 'All']], body: eviction('a', { dryRun: ['All'] }) } },
      read(PDB, 'read the budget after the dry run'),
      read(`${PODS}/a`, 'read pod a after the dry run'),
      { name: 'evict, allowed', req: { method: 'POST', path: evictPath('a'), body: eviction('a') } },
      read(PDB, 'read the budget after the eviction'),
      read(`${PODS}/a`, 'read pod a, terminating'),
      { name: 'evict b, none left', req: { method: 'POST', path: evictPath('b'), body: eviction('b') } },
    ],
  },
];

