/**
 * The PromQL Drover ships: the expressions of helm/drover/files/drover-rules.yaml
 * and of every panel and template variable of helm/drover/files/grafana-dashboard.json.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RULES_FILE = join(ROOT, 'helm', 'drover', 'files', 'drover-rules.yaml');
export const RULES_TESTS = join(ROOT, 'test', 'prometheus', 'drover-rules.test.yaml');
export const DASHBOARD_FILE = join(ROOT, 'helm', 'drover', 'files', 'grafana-dashboard.json');

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface RulesFile {
  groups: Array<{ name: string; rules: Rule[] }>;
}

export function readRules(): RulesFile {
  return parseYaml(readFileSync(RULES_FILE, 'utf8')) as RulesFile;
}

export interface Target {
  refId: string;
  expr: string;
  legendFormat?: string;
  datasource?: { type: string; uid: string };
}
export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  panels?: Panel[];
}
export interface TemplateVar {
  name: string;
  type: string;
  query: string | { query: string };
  datasource?: { type: string; uid: string };
}
export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  templating: { list: TemplateVar[] };
  panels: Panel[];
}

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** Every panel, those inside collapsed rows included. */
export function allPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

export interface Expression {
  /** Where it is, for failure messages: `rule DroverRedisDown`, `panel "Runs by outcome" A`. */
  where: string;
  expr: string;
}

export function ruleExpressions(rules: RulesFile = readRules()): Expression[] {
  return rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `rule ${r.alert ?? r.record}`, expr: r.expr })));
}

// label_values(<series selector>, <label>): the selector is PromQL; the label is not.
const LABEL_VALUES = /^\s*label_values\(\s*(.*?)\s*,\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)\s*$/s;

/** Panel queries and the series selectors of query variables, as Grafana would send them (variables unresolved). */
export function dashboardExpressions(dashboard: Dashboard = readDashboard()): Expression[] {
  const panels = allPanels(dashboard).flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr })));
  const variables = dashboard.templating.list
    .filter((v) => v.type === 'query')
    .map((v) => {
      const query = typeof v.query === 'string' ? v.query : v.query.query;
      const selector = LABEL_VALUES.exec(query)?.[1];
      if (!selector) throw new Error(`variable ${v.name}: expected label_values(<selector>, <label>), got ${query}`);
      return { where: `variable ${v.name}`, expr: selector };
    });
  return [...panels, ...variables];
}

/**
 * Grafana's variables replaced by values Prometheus accepts, as Grafana does
 * before it sends a query: ranges ($__rate_interval) by a duration, the
 * dashboard's own ($namespace, $job, inside label matchers) by a regex.
 */
export function withVariablesResolved(expr: string): string {
  return expr
    .replace(/\$\{?__(rate_interval|interval|range)\}?/g, '5m')
    .replace(/\$\{?__(interval_ms|range_s|range_ms)\}?/g, '300')
    .replace(/\$\{?[a-zA-Z_][a-zA-Z0-9_]*\}?/g, '.*');
}
