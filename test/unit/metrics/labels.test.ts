import { createMetrics } from '../../../src/metrics/metrics.js';
import { LABEL_NAMES, LABEL_VALUES, errorCodeLabel, httpCodeLabel, normaliseLabels } from '../../../src/metrics/labels.js';

/** prom-client's process metrics (drover_process_*, drover_nodejs_*) carry these fixed labels. */
const PROCESS_LABELS = ['le', 'type', 'space', 'kind', 'version', 'major', 'minor', 'patch'];

/** Each metric with the label names it declares and those its samples carry. */
async function labelsByMetric(processMetrics: boolean) {
  const metrics = createMetrics({ processMetrics });
  const declared = new Map(metrics.registry.getMetricsAsArray().map((m) => [m.name, (m as unknown as { labelNames?: string[] }).labelNames ?? []]));
  const json = await metrics.registry.getMetricsAsJSON();
  return json.map((m) => ({ name: m.name, labels: [...new Set([...(declared.get(m.name) ?? []), ...m.values.flatMap((v) => Object.keys(v.labels))])] }));
}

describe('metric labels', () => {
  it('every label of every metric is on the allow-list: nothing unbounded (run ids, users, fingerprints, namespaces)', async () => {
    const metrics = await labelsByMetric(true);
    expect(metrics.length).toBeGreaterThan(20);
    for (const metric of metrics) {
      const allowed: readonly string[] = /^drover_(process|nodejs)_/.test(metric.name) ? PROCESS_LABELS : [...LABEL_NAMES, 'le'];
      for (const label of metric.labels) expect({ metric: metric.name, label, allowed: allowed.includes(label) }).toEqual({ metric: metric.name, label, allowed: true });
    }
    const all = new Set(metrics.flatMap((m) => m.labels));
    for (const used of ['runbook', 'outcome', 'requester', 'code', 'cluster', 'verb']) expect(all.has(used)).toBe(true);
    for (const forbidden of ['run_id', 'runId', 'user', 'requester_id', 'fingerprint', 'namespace', 'error', 'message', 'alertname']) expect(all.has(forbidden)).toBe(false);
  });

  it('label values are snake_case, whatever spelling the run state or audit event uses', async () => {
    const m = createMetrics();
    m.runs.inc({ runbook: 'r', outcome: 'timed-out', dry_run: 'false' });
    m.runDuration.observe({ runbook: 'r', outcome: 'timed-out' }, 1);
    m.remediations.inc({ runbook: 'r', result: 'not-cleared' });
    m.remediations.inc({ runbook: 'r', result: 'run-failed' });
    m.alerts.inc({ outcome: 'breaker_open' });
    const text = await m.registry.metrics();
    expect(text).toContain('drover_runs_total{runbook="r",outcome="timed_out",dry_run="false"} 1');
    expect(text).toContain('drover_run_duration_seconds_count{runbook="r",outcome="timed_out"} 1');
    expect(text).toContain('drover_alert_remediations_total{runbook="r",result="not_cleared"} 1');
    expect(text).toContain('drover_alert_remediations_total{runbook="r",result="run_failed"} 1');
    expect(text).toContain('drover_alerts_total{outcome="breaker_open"} 1');
    for (const line of text.split('\n').filter((l) => l.startsWith('drover_'))) {
      for (const [, name, value] of line.matchAll(/(\w+)="([^"]*)"/g)) {
        if (name === 'runbook' || name === 'cluster' || name === 'version' || name === 'le') continue;
        expect({ line, value, snake: /^[a-z0-9_]+$/.test(value ?? '') }).toMatchObject({ snake: true });
      }
    }
  });

  it('values from outside a known set become "other": retry codes a runbook made up, verbs, status codes, runbooks this process does not know', async () => {
    expect(errorCodeLabel('k8s_throttled')).toBe('k8s_throttled');
    expect(errorCodeLabel('ECONNRESET while talking to 10.0.0.7')).toBe('other');
    expect(errorCodeLabel('__proto__')).toBe('other');
    const m = createMetrics({ knownRunbook: (id) => id === 'known' });
    m.retries.inc({ runbook: 'known', code: 'my_own_code_42' });
    m.retries.inc({ runbook: 'run-4f2a9c', code: 'k8s_throttled' });
    m.k8sCalls.inc({ cluster: 'prod', verb: 'GET', code: '200' });
    m.k8sCalls.inc({ cluster: 'prod', verb: 'escalate /api/v1/secrets', code: 'socket hang up' });
    m.runs.inc({ runbook: 'known', outcome: 'r-20261206-1a2b3c', dry_run: 'yes' });
    m.runsEnqueued.inc({ runbook: 'known', requester: 'U0ALICE' });
    const text = await m.registry.metrics();
    expect(text).toContain('drover_run_retries_total{runbook="known",code="other"} 1');
    expect(text).toContain('drover_run_retries_total{runbook="other",code="k8s_throttled"} 1');
    expect(text).toContain('drover_k8s_api_calls_total{cluster="prod",verb="get",code="200"} 1');
    expect(text).toContain('drover_k8s_api_calls_total{cluster="prod",verb="other",code="other"} 1');
    expect(text).toContain('drover_runs_total{runbook="known",outcome="other",dry_run="false"} 1');
    expect(text).toContain('drover_runs_enqueued_total{runbook="known",requester="other"} 1');
  });

  it('a Kubernetes call is counted under a cluster this process knows and a status the API uses; anything else is other', async () => {
    expect(httpCodeLabel('404')).toBe('404');
    expect(httpCodeLabel('0')).toBe('0');
    expect(httpCodeLabel('599')).toBe('other');
    expect(httpCodeLabel('418')).toBe('other');
    const m = createMetrics({ knownCluster: (name) => name === 'prod' });
    m.k8sCalls.inc({ cluster: 'prod', verb: 'get', code: '200' });
    for (let i = 0; i < 100; i++) m.k8sCalls.inc({ cluster: `forged-${i}`, verb: 'get', code: String(100 + i) });
    const text = await m.registry.metrics();
    expect(text).toContain('drover_k8s_api_calls_total{cluster="prod",verb="get",code="200"} 1');
    expect(text).toContain('drover_k8s_api_calls_total{cluster="other",verb="get",code="other"} 100');
  });

  it('the value sets match the contract (issue 14)', () => {
    expect(LABEL_VALUES.requester).toEqual(expect.arrayContaining(['cli', 'slack', 'alert']));
    expect(LABEL_VALUES.outcome).toEqual(expect.arrayContaining(['succeeded', 'failed', 'cancelled', 'timed_out', 'rejected', 'expired']));
    expect(LABEL_VALUES.outcome).toEqual(expect.arrayContaining(['enqueued', 'deduplicated', 'unmatched', 'breaker_open', 'approval_required', 'denied', 'resolved', 'rejected']));
    expect(LABEL_VALUES.outcome).toEqual(expect.arrayContaining(['counted', 'approved', 'duplicate', 'refused', 'rejected', 'expired', 'voided']));
    expect(LABEL_VALUES.result).toEqual(expect.arrayContaining(['remediated', 'not_cleared', 'run_failed', 'ok', 'broken', 'error']));
    expect(normaliseLabels({ decision: 'approval-required' })).toEqual({ decision: 'approval_required' });
  });
});
