/**
 * Drover's alert rules checked and unit-tested by the real promtool:
 * `promtool check rules` on helm/drover/files/drover-rules.yaml, and
 * `promtool test rules` on test/prometheus/drover-rules.test.yaml, which must
 * show every alert both firing and staying quiet.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { RULES_FILE, RULES_TESTS, readRules } from '../../prometheus/expressions.js';
import { promtool } from '../../prometheus/promtool.js';

interface RulesTestFile {
  rule_files: string[];
  tests: Array<{ name: string; alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
}

const alertNames = readRules().groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));

describe('drover-rules.yaml with promtool', () => {
  it('passes `promtool check rules`', async () => {
    const r = await promtool(['check', 'rules', RULES_FILE]);
    expect(r.output).toContain(`SUCCESS: ${alertNames.length} rules found`);
    expect(r.code).toBe(0);
  });

  it('passes its unit tests (`promtool test rules`)', async () => {
    const r = await promtool(['test', 'rules', RULES_TESTS]);
    if (r.code !== 0) throw new Error(`promtool test rules ${RULES_TESTS} failed:\n${r.output}`);
    expect(r.output).toContain('SUCCESS');
  });

  it('the unit tests load this rules file and show every alert firing and quiet', () => {
    const tests = parseYaml(readFileSync(RULES_TESTS, 'utf8')) as RulesTestFile;
    expect(tests.rule_files.map((f) => join(dirname(RULES_TESTS), f))).toEqual([RULES_FILE]);
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    const coverage = alertNames.map((alert) => {
      const mine = cases.filter((c) => c.alertname === alert);
      return { alert, fires: mine.some((c) => (c.exp_alerts ?? []).length > 0), quiet: mine.some((c) => (c.exp_alerts ?? []).length === 0) };
    });
    expect(coverage).toEqual(alertNames.map((alert) => ({ alert, fires: true, quiet: true })));
  });

  it('a failing expectation fails `promtool test rules` (the tests are not vacuous)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drover-rules-'));
    try {
      const file = join(dir, 'wrong.test.yaml');
      await writeFile(
        file,
        JSON.stringify({
          rule_files: [RULES_FILE],
          evaluation_interval: '1m',
          tests: [
            {
              interval: '1m',
              input_series: [{ series: 'drover_redis_up{namespace="drover", instance="a"}', values: '1x10' }],
              alert_rule_test: [{ eval_time: '5m', alertname: 'DroverRedisDown', exp_alerts: [{ exp_labels: { severity: 'critical', namespace: 'drover' } }] }],
            },
          ],
        }),
      );
      const r = await promtool(['test', 'rules', file]);
      expect(r.output).toContain('FAILED');
      expect(r.code).not.toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
