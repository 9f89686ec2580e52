/**
 * What every alert of helm/drover/files/drover-rules.yaml carries for the
 * person it pages: a severity, a summary and description, and a runbook_url
 * that lands on its own section of docs/alerts.md. (promtool checks and
 * tests the expressions: test/integration/observability/rules.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, readRules } from '../../prometheus/expressions.js';

const DOCS_URL = 'https://github.com/drover-dev/drover/blob/main/docs/alerts.md';
const rules = readRules().groups.flatMap((g) => g.rules);
const alerts = rules.filter((r) => r.alert);

// GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes.
const anchors = new Set(
  readFileSync(join(ROOT, 'docs', 'alerts.md'), 'utf8')
    .split('\n')
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) => line.replace(/^#+ /, '').trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')),
);

describe('drover-rules.yaml', () => {
  it('has the alerts issue #14 asks for', () => {
    expect(alerts.map((a) => a.alert)).toEqual(
      expect.arrayContaining([
        'DroverRedisDown',
        'DroverTargetDown',
        'DroverQueueBacklogGrowing',
        'DroverRunsFailing',
        'DroverAlertBreakerOpen',
        'DroverApprovalsExpiring',
        'DroverAuditChainBroken',
        'DroverAuditVerificationFailing',
        'DroverWorkersAbsent',
      ]),
    );
  });

  it.each(alerts.map((a) => [a.alert!, a] as const))('%s has a severity, a summary, a description and its section of docs/alerts.md', (name, alert) => {
    expect(['critical', 'warning', 'info']).toContain(alert.labels?.severity);
    expect(alert.annotations?.summary).toMatch(/\S/);
    expect(alert.annotations?.description).toMatch(/\S/);
    expect(alert.annotations?.runbook_url).toBe(`${DOCS_URL}#${name.toLowerCase()}`);
    expect(anchors).toContain(name.toLowerCase());
  });

  it('names no scrape job, but through the documented default of DroverTargetDown', () => {
    const withJob = rules.filter((r) => /\bjob\s*(=|!=|=~|!~)/.test(r.expr)).map((r) => r.alert);
    expect(withJob).toEqual(['DroverTargetDown']);
    expect(rules.find((r) => r.alert === 'DroverTargetDown')!.expr).toContain('up{job=~".*drover.*"}');
  });

  it('aggregates so that replicas do not fire one alert each', () => {
    // Every rule's expression aggregates (by namespace, or absent() for the whole Prometheus) before comparing.
    const bare = rules.filter((r) => !/\b(max|min|sum|count) by \(namespace/.test(r.expr)).map((r) => r.alert);
    expect(bare).toEqual([]);
  });
});
