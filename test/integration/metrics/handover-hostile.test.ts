import { buildMetricsDrover, type MetricsDrover } from './metrics-drover.js';
import { WEBHOOK_TOKEN, deliver } from '../../support/alerts.js';
import { checkMetrics } from './promtool.js';
import { scrape, sample } from './scrape.js';

// Whoever can write Redis can write the handover list. What they put there must
// not corrupt /metrics (promtool stays clean) nor grow the series without end.
describe('hostile entries in the metrics handover list', () => {
  let t: MetricsDrover;
  let key: string;
  const entry = (m: string, l: Record<string, unknown>, n: unknown) => JSON.stringify({ m, l, n });

  beforeEach(async () => {
    t = await buildMetricsDrover({ configure: (c) => (c.alerts.webhookToken = WEBHOOK_TOKEN) });
    key = `${t.prefix}:metrics:handover`;
  });

  afterEach(async () => {
    await t.close();
  });

  const scrapeAll = async () => {
    // A scrape takes at most 20 000 entries: scrape until the list is empty.
    let text = '';
    for (let i = 0; i < 10 && (i === 0 || (await t.redis.llen(key)) > 0); i++) text = await scrape(t.base);
    return text;
  };
  const series = (text: string, name: string) => text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));

  it('injected label text, odd numbers and other metric types leave an exposition promtool accepts', async () => {
    await t.redis.rpush(
      key,
      entry('drover_runs_total', { runbook: 'x",evil="1', outcome: 'failed\n# TYPE evil counter', dry_run: 'false' }, 1),
      entry('drover_k8s_api_calls_total', { cluster: 'c",evil="1\nevil_total 1', verb: 'get', code: '200' }, 1),
      entry('drover_runs_total', { runbook: 'restart-deployment' }, 1),
      entry('drover_runs_total', { runbook: 'restart-deployment', outcome: 'failed', dry_run: 'false' }, 'NaN'),
      entry('drover_runs_total', { runbook: 'restart-deployment', outcome: 'failed', dry_run: 'false' }, null),
      '{"m":"drover_runs_total","l":{"runbook":"restart-deployment","outcome":"failed","dry_run":"false"},"n":1e999}',
      entry('drover_runs_total', { runbook: 'restart-deployment', outcome: 'failed', dry_run: 'false' }, 0.25),
      entry('drover_run_duration_seconds', { runbook: 'restart-deployment', outcome: 'succeeded' }, 1),
      entry('drover_workers', {}, 5),
      entry('constructor', {}, 1),
      entry('drover_runs_total', { ['__proto__']: 'x', runbook: 'restart-deployment' }, 1),
      JSON.stringify({ m: 'drover_runs_total', l: { runbook: 'x'.repeat(1_000_000), outcome: 'failed', dry_run: 'false' }, n: 1 }),
      '[]',
      'null',
    );
    const text = await scrapeAll();
    const result = await checkMetrics(text);
    expect(result).toEqual({ code: 0, output: '' });
    expect(text).not.toMatch(/^evil/m);
    expect(text).not.toContain('evil="1"');
    expect(text).not.toContain('xxxxxxxxxx');
    expect(sample(text, 'drover_workers')).not.toBe(5);
    // A partial label set is no series of its own.
    expect(series(text, 'drover_runs_total').filter((line) => !line.includes('outcome='))).toEqual([]);
    expect(await t.redis.llen(key)).toBe(0);
  });

  it('thousands of made-up label values add a bounded number of series', async () => {
    const forged = Array.from({ length: 5000 }, (_, i) => entry('drover_k8s_api_calls_total', { cluster: `forged-${i}`, verb: 'get', code: '200' }, 1));
    const runbooks = Array.from({ length: 5000 }, (_, i) => entry('drover_runs_total', { runbook: `made-up-${i}`, outcome: 'failed', dry_run: 'false' }, 1));
    await t.redis.rpush(key, ...forged, ...runbooks);
    const text = await scrapeAll();
    expect(await t.redis.llen(key)).toBe(0);
    expect(series(text, 'drover_runs_total').length).toBeLessThanOrEqual(2);
    expect(series(text, 'drover_k8s_api_calls_total').length).toBeLessThanOrEqual(10);
    expect(text.length).toBeLessThan(200_000);
    expect((await checkMetrics(text)).code).toBe(0);
  });

  it('an Alertmanager storm of distinct label values adds no series', async () => {
    const before = (await scrape(t.base)).split('\n').filter((l) => l.startsWith('drover_') && !l.startsWith('drover_process') && !l.startsWith('drover_nodejs')).length;
    for (let batch = 0; batch < 4; batch++) {
      const alerts = Array.from({ length: 500 }, (_, i) => ({ labels: { alertname: `Storm${batch}-${i}`, namespace: `ns-${i}`, pod: `pod-${batch}-${i}`, user: `U0${i}` } }));
      expect((await deliver(t.base, alerts)).status).toBe(200);
    }
    const text = await scrape(t.base);
    const after = text.split('\n').filter((l) => l.startsWith('drover_') && !l.startsWith('drover_process') && !l.startsWith('drover_nodejs'));
    // One more series at most: drover_alerts_total{outcome="unmatched"}.
    expect(after.length).toBeLessThanOrEqual(before + 1);
    expect(sample(text, 'drover_alerts_total', { outcome: 'unmatched' })).toBe(2000);
    expect(text).not.toMatch(/Storm|pod-|ns-\d|U0\d/);
  });
});
