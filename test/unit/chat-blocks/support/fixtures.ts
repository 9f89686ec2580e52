import type { RunbookDetail, RunbookSummary } from '../../../../src/chat/types.js';
import type { RunRecord, StoredRunEvent, RunEvent } from '../../../../src/jobs/run-record.js';
import type { PlannedChange } from '../../../../src/k8s/types.js';
import type { ParamInfo } from '../../../../src/runbook/params.js';

/** One param of each type the form knows. */
export const PARAMS: ParamInfo[] = [
  { name: 'namespace', type: 'string', required: true, description: 'Namespace of the deployment' },
  { name: 'replicas', type: 'integer', required: true, minimum: 0, maximum: 50, description: 'Wanted replicas' },
  { name: 'ratio', type: 'number', required: false, default: 0.5, minimum: 0, maximum: 1 },
  { name: 'force', type: 'boolean', required: false, default: false, description: 'Skip the readiness check' },
  { name: 'strategy', type: 'enum', required: false, default: 'rolling', choices: ['rolling', 'recreate', 'canary'] },
  { name: 'pods', type: 'array', required: false, description: 'Pods to delete first' },
];

export function runbookDetail(overrides: Partial<RunbookDetail> = {}): RunbookDetail {
  return {
    id: 'scale-deployment',
    chatName: 'scale',
    summary: 'Scale a deployment',
    risk: 'medium',
    params: PARAMS,
    description: 'Sets the replicas of a deployment through the scale subresource.',
    timeout: '10m',
    alerts: ['KubeDeploymentReplicasMismatch{namespace!="kube-system"}'],
    approval: { required: 'unless-dry-run', approvers: 2, timeout: '30m' },
    rateLimit: { maxRuns: 5, window: '1h', cooldown: '5m' },
    channels: ['C0123OPS'],
    approvalText: 'unless dry run, 2 approvers, expires after 30m',
    concurrencyKey: 'deployment/<namespace>/<deployment>',
    alertTriggers: ['KubeDeploymentReplicasMismatch{namespace!="kube-system"}: namespace ← label namespace'],
    schedules: [{ name: 'nightly', cron: '0 3 * * *', timeZone: 'Europe/Paris' }],
    ...overrides,
  };
}

export const summaryOf = (rb: RunbookDetail): RunbookSummary => ({
  id: rb.id,
  chatName: rb.chatName,
  summary: rb.summary,
  risk: rb.risk,
  params: rb.params,
  approvalText: rb.approvalText,
  concurrencyKey: rb.concurrencyKey,
  alertTriggers: rb.alertTriggers,
  schedules: rb.schedules,
});

export function runRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id: 'rlx2k9abc123',
    runbook: 'scale-deployment',
    cluster: 'prod-eu',
    params: { namespace: 'shop', replicas: 5 },
    dryRun: false,
    requester: { kind: 'slack', id: 'U024BE7LH', name: 'ana' },
    state: 'running',
    concurrencyKey: 'deployment/shop/web',
    timeoutMs: 600_000,
    createdAt: '2024-05-01T10:00:00.000Z',
    startedAt: '2024-05-01T10:00:02.000Z',
    attempts: 1,
    ...overrides,
  };
}

export function change(overrides: Partial<PlannedChange> = {}): PlannedChange {
  return {
    verb: 'patch',
    kind: 'Deployment/scale',
    namespace: 'shop',
    name: 'web',
    dryRun: false,
    summary: 'scale Deployment shop/web: replicas 3 → 5',
    diff: '--- a/deployment.yaml\n+++ b/deployment.yaml\n@@ -1,3 +1,3 @@\n spec:\n-  replicas: 3\n+  replicas: 5\n',
    ...overrides,
  };
}

/** A diff of `lines` changed lines. */
export function bigDiff(lines: number): string {
  const body = Array.from({ length: lines }, (_, i) => `+  key${i}: value-${i}`);
  return ['--- a/configmap.yaml', '+++ b/configmap.yaml', `@@ -0,0 +1,${lines} @@`, ...body].join('\n');
}

let seq = 0;
export function events(...list: RunEvent[]): StoredRunEvent[] {
  return list.map((e) => ({ ...e, id: `1714557600000-${seq++}`, time: '2024-05-01T10:00:03.000Z' }));
}

/** Markup a param value could use to ping everyone or hide a link. */
export const HOSTILE = '<!channel> <https://evil.example|click> & <@U999> *bold*';
