/**
 * Every PromQL expression of the Grafana dashboard parses as Prometheus reads
 * it: each becomes a recording rule of a throwaway rules file, with Grafana's
 * variables resolved as Grafana resolves them, and the real
 * `promtool check rules` reads the file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { dashboardExpressions, withVariablesResolved, type Expression } from '../../prometheus/expressions.js';
import { promtool } from '../../prometheus/promtool.js';

async function checkAsRecordingRules(expressions: Expression[]) {
  const dir = await mkdtemp(join(tmpdir(), 'drover-dashboard-'));
  try {
    const file = join(dir, 'dashboard-rules.yaml');
    const rules = expressions.map((e, i) => ({ record: `dashboard:expression_${i}`, expr: withVariablesResolved(e.expr) }));
    await writeFile(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
    return await promtool(['check', 'rules', file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('the dashboard PromQL with promtool', () => {
  it('every panel query and variable selector parses', async () => {
    const expressions = dashboardExpressions();
    const r = await checkAsRecordingRules(expressions);
    if (r.code !== 0) {
      const where = expressions.map((e, i) => `dashboard:expression_${i} = ${e.where}`).join('\n');
      throw new Error(`promtool check rules rejected a dashboard expression:\n${r.output}\n${where}`);
    }
    expect(r.output).toContain(`SUCCESS: ${expressions.length} rules found`);
  });

  it('an expression that does not parse is rejected (the check is real)', async () => {
    const r = await checkAsRecordingRules([{ where: 'broken', expr: 'sum by (outcome) (rate(drover_runs_total[$__rate_interval])' }]);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/parse error|unclosed/i);
  });
});
