/**
 * The chart's PrometheusRule and dashboard ConfigMap, rendered by the real
 * Helm: off by default; when enabled, the PrometheusRule carries exactly the
 * groups of files/drover-rules.yaml (the file promtool tests) and the
 * ConfigMap exactly files/grafana-dashboard.json, with the labels and
 * annotations the values give; both validate against their schemas.
 */
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { helmTemplate, type RenderedObject } from '../../support/helm.js';
import { readDashboard, readRules } from '../../prometheus/expressions.js';

const ENABLED = {
  prometheusRule: { enabled: true, labels: { release: 'kube-prometheus-stack' }, annotations: { team: 'platform' } },
  grafanaDashboard: { enabled: true, labels: { grafana_dashboard: '1' }, annotations: { grafana_folder: 'Drover' } },
};

const only = (objects: RenderedObject[], kind: string) => objects.filter((o) => o.kind === kind);
const dashboardMaps = (objects: RenderedObject[]) => only(objects, 'ConfigMap').filter((o) => o.metadata.name.endsWith('-dashboard'));

describe('the chart\'s PrometheusRule and Grafana dashboard', () => {
  it('renders neither by default', async () => {
    const objects = await helmTemplate();
    expect(only(objects, 'PrometheusRule')).toEqual([]);
    expect(dashboardMaps(objects)).toEqual([]);
  });

  describe('enabled', () => {
    let objects: RenderedObject[];
    beforeAll(async () => {
      objects = await helmTemplate({ values: ENABLED, release: 'ops', namespace: 'drover' });
    }, 120_000);

    it('a PrometheusRule with the rules file\'s groups, valid for the Prometheus Operator', () => {
      const rules = only(objects, 'PrometheusRule');
      expect(rules).toHaveLength(1);
      const rule = rules[0]!;
      expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(rule.metadata.name).toBe('ops-drover');
      expect(rule.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack', 'app.kubernetes.io/instance': 'ops' });
      expect(rule.metadata.annotations).toEqual({ team: 'platform' });
      expect((rule.spec as { groups: unknown }).groups).toEqual(readRules().groups);
      expect(() => new PrometheusRule(rule as never).validate()).not.toThrow();
    });

    it('a ConfigMap for Grafana\'s sidecar holding the dashboard file', () => {
      const maps = dashboardMaps(objects);
      expect(maps).toHaveLength(1);
      const map = maps[0]!;
      expect(map.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
      expect(map.metadata.annotations).toEqual({ grafana_folder: 'Drover' });
      const data = map.data as Record<string, string>;
      expect(Object.keys(data)).toEqual(['drover.json']);
      expect(JSON.parse(data['drover.json']!)).toEqual(readDashboard());
      expect(() => new ConfigMap(map as never).validate()).not.toThrow();
    });
  });
});
