/** Values the chart tests render with: test/fixtures/chart/maximal-values.yaml (every feature on) and small pieces. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../../support/test-drover.js';

export const MAXIMAL_VALUES_FILE = join(ROOT, 'test', 'fixtures', 'chart', 'maximal-values.yaml');

/** Every optional feature of the chart on. */
export const MAXIMAL = parse(readFileSync(MAXIMAL_VALUES_FILE, 'utf8')) as {
  slack: { botToken: string; signingSecret: string };
  alertmanager: { webhookToken: string };
  audit: { key: string };
  [key: string]: unknown;
};

export const SLACK_HTTP = { slack: { enabled: true, botToken: 'xoxb-1111-2222-bottoken', signingSecret: 'signing-secret-0123456789' } };
export const ALERTS = { alertmanager: { enabled: true, webhookToken: 'webhook-token-0123456789abcdef' } };
export const EXTERNAL_REDIS_URL = 'rediss://:redis-pw-0123456789@redis.example.com:6380';
/** The worker inside `serve`: one Deployment (the layout before worker.separate defaulted to true). */
export const COMBINED = { worker: { separate: false } };

/** A policy letting group sre run `runbooks` in `namespaces` of every cluster. */
export function policyFor(runbooks: string[], namespaces?: string[]) {
  return { policy: { groups: { sre: ['U012ABCDEF'] }, rules: [{ groups: ['sre'], runbooks, clusters: ['*'], ...(namespaces ? { namespaces } : {}) }] } };
}
