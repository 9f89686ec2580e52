/**
 * helm/drover/files/grafana-dashboard.json works in any Grafana with a
 * Prometheus data source (kube-prometheus-stack's, compose's provisioned one)
 * and shows what issue #14 lists. Its PromQL is checked by
 * exported-names.test.ts (metric names) and by promtool
 * (test/integration/observability/dashboard-promql.test.ts).
 */
import { allPanels, dashboardExpressions, readDashboard } from '../../prometheus/expressions.js';
import { metricNames } from '../../prometheus/promql-names.js';

const dashboard = readDashboard();
const panels = allPanels(dashboard);
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

describe('the Grafana dashboard', () => {
  it('has a stable uid and a recent schema', () => {
    expect(dashboard.uid).toBe('drover-overview');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
  });

  it('chooses its Prometheus through a `datasource` variable, used by every panel, query and variable', () => {
    const ds = dashboard.templating.list.find((v) => v.name === 'datasource');
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const queryPanels = panels.filter((p) => p.type !== 'row');
    for (const p of queryPanels) {
      expect({ panel: p.title, datasource: p.datasource }).toEqual({ panel: p.title, datasource: DATASOURCE });
      for (const t of p.targets ?? []) expect({ panel: p.title, target: t.refId, datasource: t.datasource }).toEqual({ panel: p.title, target: t.refId, datasource: DATASOURCE });
    }
    for (const v of dashboard.templating.list.filter((t) => t.type === 'query')) expect(v.datasource).toEqual(DATASOURCE);
  });

  it('filters every query by the namespace and job variables', () => {
    const unfiltered = dashboardExpressions()
      .filter((e) => e.where.startsWith('panel'))
      .filter((e) => !(e.expr.includes('namespace=~"$namespace"') && e.expr.includes('job=~"$job"')));
    expect(unfiltered).toEqual([]);
  });

  it('has unique panel ids and no overlapping panels', () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Map<string, string>();
    for (const p of panels) {
      const { x, y, w, h } = p.gridPos;
      expect(x + w).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++)
        for (let j = y; j < y + h; j++) {
          const key = `${i},${j}`;
          expect({ cell: key, taken: cells.get(key) }).toEqual({ cell: key, taken: undefined });
          cells.set(key, p.title);
        }
    }
  });

  it('shows runs, durations, queue, Kubernetes calls, alerts, breaker, approvals, Redis, workers and the audit chain', () => {
    const used = new Set(dashboardExpressions().flatMap((e) => [...metricNames(e.expr)]));
    for (const name of [
      'drover_runs_total',
      'drover_run_duration_seconds_bucket',
      'drover_queue_depth',
      'drover_k8s_api_calls_total',
      'drover_alerts_total',
      'drover_approvals_total',
      'drover_approvals_pending',
      'drover_redis_up',
      'drover_workers',
      'drover_audit_chain_valid',
    ])
      expect(used).toContain(name);
    expect(dashboardExpressions().some((e) => e.expr.includes('outcome="breaker_open"'))).toBe(true);
    expect(dashboardExpressions().some((e) => e.expr.startsWith('histogram_quantile(0.95'))).toBe(true);
  });
});
