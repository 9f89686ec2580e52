import { DroverError } from '../../../src/errors.js';
import { isTerminal } from '../../../src/jobs/run-record.js';
import { defineRunbook, z } from '../../../src/sdk/index.js';
import { WEBHOOK_TOKEN, deliver } from '../../support/alerts.js';
import { seedDemo } from '../../support/seed.js';
import { waitFor } from '../../support/wait-for.js';
import { buildMetricsDrover, type MetricsDrover } from './metrics-drover.js';
import { checkMetrics } from './promtool.js';
import { scrape, sample } from './scrape.js';

let flakyCalls = 0;
const flaky = defineRunbook({
  id: 'flaky',
  summary: 'Fails once with a retryable error, then succeeds',
  params: z.object({}),
  async run(ctx) {
    await ctx.step('try', () => {
      flakyCalls += 1;
      if (flakyCalls === 1) throw new DroverError('k8s_throttled', 'the API server asked us to slow down', { retryable: true });
    });
  },
});
const gated = defineRunbook({
  id: 'gated',
  summary: 'Needs one approval',
  params: z.object({}),
  approval: { required: 'always', approvers: 1 },
  async run(ctx) {
    await ctx.step('noop', () => undefined);
  },
});
const fix = defineRunbook({
  id: 'fix-thing',
  summary: 'Fixes a thing an alert names',
  params: z.object({ thing: z.string() }),
  triggers: {
    alerts: [{ alertname: 'ThingBroken', params: { thing: 'label:thing' } }],
    schedule: { name: 'nightly', cron: '0 3 * * *', timeZone: 'UTC', params: { thing: 'cache' } },
  },
  async run(ctx, { thing }) {
    await ctx.step('fix', () => ctx.report(`fixed ${thing}`));
  },
});

describe('promtool check metrics', () => {
  let t: MetricsDrover;

  beforeAll(async () => {
    t = await buildMetricsDrover({
      runbooks: [flaky, gated, fix],
      configure: (c) => {
        c.alerts.webhookToken = WEBHOOK_TOKEN;
        c.alerts.watchFor = 200;
        c.audit.verifyInterval = 200;
      },
    });
    seedDemo(t.fake);
    await t.drover.startWorker();
    t.drover.startHousekeeping();
  });

  afterAll(async () => {
    await t.close();
  });

  const finished = (id: string) =>
    waitFor(async () => {
      const run = await t.drover.store.get(id);
      return run && isTerminal(run.state) ? run : undefined;
    }, `run ${id}`);

  it('passes on a real scrape where every metric family has samples (a run, a retry, an alert and its remediation, an approval, a schedule fire)', async () => {
    const alice = { kind: 'cli' as const, id: 'alice@laptop' };
    await finished((await t.drover.gate.submit({ runbook: 'restart-deployment', params: { namespace: 'demo', deployment: 'web' }, requester: alice })).id);
    expect((await finished((await t.drover.gate.submit({ runbook: 'flaky', params: {}, requester: alice })).id)).state).toBe('succeeded');

    const proposed = await t.drover.gate.submit({ runbook: 'gated', params: {}, requester: alice });
    const held = await waitFor(async () => {
      const r = await t.drover.store.get(proposed.id);
      return r?.state === 'awaiting_approval' ? r : undefined;
    }, 'the proposal');
    expect((await t.drover.approvals.approve(held.id, { kind: 'slack', id: 'U0BOB' }, held.approval?.hash ?? '')).kind).toBe('approved');
    await finished(held.id);

    const alert = { labels: { alertname: 'ThingBroken', thing: 'disk' }, startsAt: '2026-12-06T12:00:00Z' };
    expect((await deliver(t.base, [alert])).status).toBe(200);
    await waitFor(async () => (await t.drover.store.recent(20, 'fix-thing')).find((r) => isTerminal(r.state)), 'the remediation run');
    expect((await deliver(t.base, [alert], 'resolved')).status).toBe(200);
    await t.drover.alerts.watch.sweep();
    // A schedule's fire, as the schedule worker would take it when due.
    const [nightly] = t.drover.schedules.specs();
    expect((await t.drover.schedules.firing.fire(nightly as NonNullable<typeof nightly>, Date.now()))[0]?.outcome).toBe('queued');

    const text = await waitFor(async () => {
      const scraped = await scrape(t.base);
      return sample(scraped, 'drover_audit_chain_valid') !== undefined && sample(scraped, 'drover_alert_remediations_total') !== undefined ? scraped : undefined;
    }, 'the audit verification and the remediation in a scrape');

    // Every family has at least one sample, so promtool sees every name, type and label.
    const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => ({ name: m[1] ?? '', type: m[2] ?? '' }));
    const lines = text.split('\n').filter((l) => l && !l.startsWith('#'));
    const has = (name: string, type: string) =>
      lines.some((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `) || (type === 'histogram' && l.startsWith(`${name}_`)));
    // Node's pending requests by type: none while the process is idle; GC durations: none before the first collection (a flake).
    // The fleet gauges: one sample per registered agent cluster, and this Drover has none (test/integration/fleet/presence-metrics.test.ts has them).
    const idle = ['drover_nodejs_active_requests', 'drover_nodejs_gc_duration_seconds', 'drover_fleet_agents', 'drover_fleet_agent_last_seen_seconds'];
    expect(families.filter(({ name, type }) => !idle.includes(name) && !has(name, type)).map((f) => f.name)).toEqual([]);
    for (const name of ['drover_runs_total', 'drover_run_duration_seconds', 'drover_run_retries_total', 'drover_runs_enqueued_total', 'drover_k8s_api_calls_total', 'drover_alerts_total', 'drover_alert_remediations_total', 'drover_policy_decisions_total', 'drover_approvals_total', 'drover_schedule_fires_total', 'drover_queue_depth', 'drover_redis_up', 'drover_workers', 'drover_approvals_pending', 'drover_audit_chain_valid', 'drover_audit_verifications_total', 'drover_build_info', 'drover_process_cpu_seconds_total', 'drover_nodejs_eventloop_lag_seconds']) {
      expect(families.map((f) => f.name)).toContain(name);
    }
    expect(sample(text, 'drover_run_retries_total', { runbook: 'flaky', code: 'k8s_throttled' })).toBe(1);
    expect(sample(text, 'drover_approvals_total', { runbook: 'gated', outcome: 'approved' })).toBe(1);
    expect(sample(text, 'drover_alerts_total', { outcome: 'enqueued' })).toBe(1);
    expect(sample(text, 'drover_redis_up')).toBe(1);
    expect(sample(text, 'drover_workers')).toBe(1);

    const result = await checkMetrics(text);
    expect(result).toEqual({ code: 0, output: '' });
  });
});
