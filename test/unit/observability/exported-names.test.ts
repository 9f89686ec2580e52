/**
 * Every metric the dashboard and the alert rules use is one Drover exports:
 * the names come from the registry createMetrics builds (process metrics
 * included), as /metrics writes them.
 */
import { createMetrics } from '../../../src/metrics/metrics.js';
import { dashboardExpressions, ruleExpressions } from '../../prometheus/expressions.js';
import { metricNames } from '../../prometheus/promql-names.js';

// Written by Prometheus for each scrape target, not by Drover.
const PROMETHEUS_OWN = new Set(['up']);

async function exportedNames(): Promise<Set<string>> {
  const { registry } = createMetrics({ processMetrics: true });
  const metrics = await registry.getMetricsAsJSON();
  registry.clear();
  return new Set(
    metrics.flatMap(({ name, type }) => {
      switch (String(type)) {
        case 'histogram':
          return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
        case 'summary':
          return [name, `${name}_sum`, `${name}_count`];
        default:
          return [name];
      }
    }),
  );
}

describe('the PromQL Drover ships names only metrics Drover exports', () => {
  let exported: Set<string>;
  beforeAll(async () => {
    exported = await exportedNames();
  });

  it('reads a plausible registry (the process metrics are in it)', () => {
    expect(exported).toContain('drover_runs_total');
    expect(exported).toContain('drover_run_duration_seconds_bucket');
    expect(exported).toContain('drover_process_resident_memory_bytes');
  });

  for (const [source, expressions] of [
    ['alert rules', ruleExpressions()],
    ['dashboard', dashboardExpressions()],
  ] as const) {
    it(`the ${source}`, () => {
      expect(expressions.length).toBeGreaterThan(5);
      const unknown = expressions.flatMap(({ where, expr }) => {
        const used = [...metricNames(expr)];
        if (used.length === 0) return [`${where}: names no metric`];
        return used.filter((name) => !exported.has(name) && !PROMETHEUS_OWN.has(name)).map((name) => `${where}: ${name}`);
      });
      expect(unknown).toEqual([]);
    });
  }
});
