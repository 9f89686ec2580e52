import { metricNames } from '../../prometheus/promql-names.js';

const names = (expr: string) => [...metricNames(expr)].sort();

describe('metricNames', () => {
  it('reads the names a selector, a function and an aggregation use', () => {
    expect(names('sum by (outcome) (rate(drover_runs_total{namespace=~"$namespace"}[$__rate_interval]))')).toEqual(['drover_runs_total']);
    expect(names('histogram_quantile(0.95, sum by (le, runbook) (rate(drover_run_duration_seconds_bucket[5m])))')).toEqual(['drover_run_duration_seconds_bucket']);
  });

  it('ignores strings, label matchers, ranges, durations, numbers and keywords', () => {
    expect(names('a{job=~"b(c) or d", x!="y\\"z"} > bool 1e-3 and on (job, instance) group_left (version) b offset 1h30m unless c @ start()')).toEqual(['a', 'b', 'c']);
    expect(names('x[1h:5m] * 0x1F - inf + NaN')).toEqual(['x']);
    expect(names('sum(a) without (instance) / ignoring(code) group_right sum(b)')).toEqual(['a', 'b']);
  });

  it('reads a name given as __name__ and skips Grafana variables', () => {
    expect(names('{__name__="drover_workers", job="x"} * $scale + ${other}')).toEqual(['drover_workers']);
  });

  it('fails on what it cannot lex rather than guess', () => {
    expect(() => metricNames('a{job="x}')).toThrow(/unterminated string|unbalanced/);
    expect(() => metricNames('rate(a[5m)')).toThrow(/unbalanced/);
  });
});
