/**
 * The alert rules and the dashboard against what Drover really exports: a
 * real Prometheus scrapes a registry made by createMetrics (prom-client, as
 * /metrics serves it) and evaluates drover-rules.yaml every second. Quiet
 * while all is well; the first breaker refusal and the first broken audit
 * verification of a process fire at once (series prom-client creates on their
 * first increment); Redis lost and no workers make their alerts pending; no
 * rule fails to evaluate (a matching error shows only on real series); every
 * dashboard query runs, and the overview's stats show a value.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetrics, type Metrics } from '../../../src/metrics/metrics.js';
import { RULES_FILE, allPanels, dashboardExpressions, readDashboard, withVariablesResolved } from '../../prometheus/expressions.js';
import { startPrometheus, type PrometheusServer } from '../../prometheus/prometheus-server.js';
import { waitFor } from '../../support/wait-for.js';

interface ApiAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}
interface ApiRules {
  groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }>;
}

describe('the rules and the dashboard in a real Prometheus scraping Drover\'s metrics', () => {
  const state = { redisUp: true, workers: 2 };
  let metrics: Metrics;
  let server: Server;
  let prometheus: PrometheusServer;

  const alerts = async () => (await prometheus.api<{ alerts: ApiAlert[] }>('alerts')).alerts.filter((a) => a.labels.alertname?.startsWith('Drover'));
  const alertState = async (name: string) => (await alerts()).find((a) => a.labels.alertname === name);
  const evaluations = async (n: number) => new Promise((r) => setTimeout(r, n * 1000 + 500));

  beforeAll(async () => {
    metrics = createMetrics({
      version: '0.0.0-test',
      redisUp: () => Promise.resolve(state.redisUp),
      workers: () => Promise.resolve(state.workers),
      approvalsPending: () => Promise.resolve(0),
      queueCounts: () => Promise.resolve({ waiting: 0, active: 0, delayed: 0 }),
    });
    server = createServer((_req, res) => {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    prometheus = await startPrometheus({ ruleFiles: [RULES_FILE], jobs: [{ name: 'ops-drover', targets: [`127.0.0.1:${port}`], labels: { namespace: 'live' } }] });
    await waitFor(async () => (await prometheus.api<{ result: unknown[] }>('query?query=drover_build_info')).result.length > 0, 'a first scrape', 20_000);
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await new Promise((r) => server?.close(r));
  });

  it('is quiet while all is well', async () => {
    await evaluations(3);
    expect(await alerts()).toEqual([]);
  });

  it('fires on the first breaker refusal and the first broken verification of a process', async () => {
    metrics.alerts.inc({ outcome: 'breaker_open' });
    metrics.auditVerified('broken');
    const firing = await waitFor(
      async () => {
        const now = await alerts();
        const names = now.filter((a) => a.state === 'firing').map((a) => a.labels.alertname).sort();
        return names.includes('DroverAlertBreakerOpen') && names.includes('DroverAuditChainBroken') ? now : undefined;
      },
      'DroverAlertBreakerOpen and DroverAuditChainBroken to fire',
      20_000,
    );
    for (const a of firing) expect(a.labels).toMatchObject({ namespace: 'live' });
  }, 30_000);

  it('makes DroverRedisDown and DroverWorkersAbsent pending when Redis is lost and no worker is seen', async () => {
    state.redisUp = false;
    state.workers = 0;
    await waitFor(
      async () => (await alertState('DroverRedisDown'))?.state === 'pending' && (await alertState('DroverWorkersAbsent'))?.state === 'pending',
      'DroverRedisDown and DroverWorkersAbsent to be pending',
      20_000,
    );
  }, 30_000);

  it('runs every dashboard query, and each overview stat shows a value', async () => {
    const failed: string[] = [];
    for (const { where, expr } of dashboardExpressions()) {
      await prometheus.api(`query?query=${encodeURIComponent(withVariablesResolved(expr))}`).catch((err: Error) => failed.push(`${where}: ${err.message}`));
    }
    expect(failed).toEqual([]);
    const stats = allPanels(readDashboard()).filter((p) => p.type === 'stat');
    expect(stats.length).toBeGreaterThan(3);
    const empty: string[] = [];
    for (const p of stats) {
      const { result } = await prometheus.api<{ result: unknown[] }>(`query?query=${encodeURIComponent(withVariablesResolved(p.targets![0]!.expr))}`);
      if (result.length !== 1) empty.push(`${p.title}: ${result.length} series`);
    }
    expect(empty).toEqual([]);
  });

  it('evaluates every rule without error', async () => {
    const rules = (await prometheus.api<ApiRules>('rules')).groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThan(5);
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`)).toEqual([]);
  });
});
