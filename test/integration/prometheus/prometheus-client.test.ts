/**
 * ctx.prometheus against a real Prometheus scraping a local exporter: typed
 * vectors, scalars and ranges, the one-number helper, coded errors for a bad
 * query, an absent configuration and an unreachable server, credentials (a
 * token file read at each query) through an authenticating proxy, and one
 * audit record per query without credentials.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DroverError } from '../../../src/errors.js';
import { createPrometheusOps } from '../../../src/prometheus/prometheus-client.js';
import { prometheusFor, prometheusSchema, type PrometheusConnection } from '../../../src/prometheus/settings.js';
import type { PromQueryRecord } from '../../../src/prometheus/types.js';
import { startPrometheus, type PrometheusServer } from '../../prometheus/prometheus-server.js';
import { startMetricsExporter, type MetricsExporter } from '../../support/metrics-exporter.js';
import { freePort } from '../../support/free-port.js';
import { waitFor } from '../../support/wait-for.js';

let prom: PrometheusServer;
let exporter: MetricsExporter;
let records: PromQueryRecord[];

beforeAll(async () => {
  exporter = await startMetricsExporter();
  exporter.set('shop_ready_replicas', { deployment: 'web' }, 3);
  exporter.set('shop_ready_replicas', { deployment: 'api' }, 2);
  prom = await startPrometheus({ ruleFiles: [], jobs: [{ name: 'shop', targets: [exporter.target] }] });
  await waitFor(async () => (await prom.api<{ result: unknown[] }>('query?query=shop_ready_replicas')).result.length === 2, 'the first scrape', 20_000);
}, 40_000);

afterAll(async () => {
  await prom?.stop();
  await exporter?.stop();
});

beforeEach(() => {
  records = [];
});

function connection(over: Partial<PrometheusConnection> = {}): PrometheusConnection {
  return { url: prom.url, source: 'prometheus', timeoutMs: 5000, maxResponseBytes: 1024 * 1024, ...over };
}

function ops(conn: PrometheusConnection | undefined = connection()) {
  return createPrometheusOps({ cluster: 'prod', connection: conn, onQuery: (r) => void records.push(r) });
}

test('an instant query answers a typed vector; value() the one number', async () => {
  const r = await ops().query('shop_ready_replicas');
  expect(r.resultType).toBe('vector');
  if (r.resultType !== 'vector') return;
  const byDeployment: Record<string, number> = Object.fromEntries(r.samples.map((s): [string, number] => [s.labels.deployment ?? '', s.value]));
  expect(byDeployment).toEqual({ web: 3, api: 2 });
  expect(typeof r.samples[0]?.timestamp).toBe('number');
  expect(await ops().value('sum(shop_ready_replicas)')).toBe(5);
  expect(await ops().value('shop_ready_replicas{deployment="none"}')).toBeUndefined();
  expect(await ops().value('scalar(sum(shop_ready_replicas)) * 2')).toBe(10);
  expect(records.map((x) => [x.query, x.outcome, x.series])).toEqual([
    ['shop_ready_replicas', 'succeeded', 2],
    ['sum(shop_ready_replicas)', 'succeeded', 1],
    ['shop_ready_replicas{deployment="none"}', 'succeeded', 0],
    ['scalar(sum(shop_ready_replicas)) * 2', 'succeeded', 1],
  ]);
  expect(records[0]).toMatchObject({ cluster: 'prod', server: prom.url, kind: 'instant' });
});

test('scalars, strings, range selectors, query_range and NaN/Inf come back typed', async () => {
  expect(await ops().query('1 + 1')).toMatchObject({ resultType: 'scalar', value: 2 });
  expect(await ops().query('"hello"')).toMatchObject({ resultType: 'string', value: 'hello' });
  expect(await ops().value('1/0')).toBe(Number.POSITIVE_INFINITY);
  expect(await ops().value('0/0')).toBeNaN();
  const sel = await ops().query('shop_ready_replicas{deployment="web"}[30s]');
  expect(sel.resultType).toBe('matrix');
  const now = Date.now() / 1000;
  const range = await ops().queryRange('sum(shop_ready_replicas)', { start: now - 10, end: now, step: 1 });
  expect(range.series).toHaveLength(1);
  expect(range.series[0]?.points.at(-1)?.value).toBe(5);
  expect(records.at(-1)).toMatchObject({ kind: 'range', range: { step: 1 } });
});

test('value() of several series is prometheus_bad_query, saying to aggregate', async () => {
  await expect(ops().value('shop_ready_replicas')).rejects.toMatchObject({ code: 'prometheus_bad_query', message: expect.stringMatching(/2 series.*aggregate/) as unknown });
});

test('a query Prometheus cannot parse is prometheus_bad_query with its words, audited as failed', async () => {
  const err = await ops().query('sum(rate(http_requests_total[5m]').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DroverError);
  expect(err).toMatchObject({ code: 'prometheus_bad_query', retryable: false });
  expect((err as Error).message).toMatch(/^Prometheus cannot run `sum\(rate/);
  expect(records.at(-1)).toMatchObject({ outcome: 'failed', errorCode: 'prometheus_bad_query' });
});

test('no Prometheus configured for the cluster: prometheus_not_configured naming the settings', async () => {
  const settings = prometheusSchema.parse({ clusters: { staging: { url: prom.url } } });
  expect(prometheusFor(settings, 'prod')).toBeUndefined();
  const o = createPrometheusOps({ cluster: 'prod', connection: prometheusFor(settings, 'prod') });
  expect(o.configured).toBe(false);
  await expect(o.query('up')).rejects.toMatchObject({
    code: 'prometheus_not_configured',
    message: expect.stringContaining('prometheus.clusters.prod.url') as unknown,
  });
  expect(prometheusFor(settings, 'staging')).toMatchObject({ url: prom.url, source: 'prometheus.clusters.staging' });
});

test('an unreachable Prometheus is prometheus_unreachable (retryable), and a hung one times out', async () => {
  const closed = await freePort();
  await expect(ops(connection({ url: `http://127.0.0.1:${closed}` })).query('up')).rejects.toMatchObject({ code: 'prometheus_unreachable', retryable: true });
  const hung: Server = createServer(() => undefined);
  await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
  try {
    const started = Date.now();
    await expect(ops(connection({ url: `http://127.0.0.1:${(hung.address() as AddressInfo).port}`, timeoutMs: 300 })).query('up')).rejects.toMatchObject({
      code: 'prometheus_unreachable',
      message: expect.stringContaining('no answer within 300 ms') as unknown,
    });
    expect(Date.now() - started).toBeLessThan(3000);
  } finally {
    hung.closeAllConnections();
    await new Promise((r) => hung.close(r));
  }
});

test('an answer larger than allowed is refused, not read', async () => {
  await expect(ops(connection({ maxResponseBytes: 100 })).query('shop_ready_replicas')).rejects.toMatchObject({ code: 'prometheus_bad_query', message: expect.stringContaining('larger than 100 bytes') as unknown });
});

describe('credentials, through an authenticating proxy in front of Prometheus', () => {
  let proxy: Server;
  let proxyUrl: string;
  let dir: string;
  const seen: Array<string | undefined> = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drover-prom-token-'));
    const upstream = new URL(prom.url);
    proxy = createServer((req, res) => {
      seen.push(req.headers.authorization);
      const good = req.headers.authorization === 'Bearer rotated-token-2' || req.headers.authorization === `Basic ${Buffer.from('drover:s3cret-pass').toString('base64')}`;
      if (!good) {
        res.writeHead(401).end('Unauthorized');
        return;
      }
      const upstreamReq = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host } }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(upstreamReq);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((r) => proxy.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  test('a token file is read at each query (a rotated token is used at once); a wrong one is refused, naming the setting', async () => {
    const file = join(dir, 'token');
    await writeFile(file, 'old-token-1\n');
    const o = ops(connection({ url: proxyUrl, auth: { bearerTokenFile: file }, source: 'prometheus' }));
    await expect(o.query('up')).rejects.toMatchObject({ code: 'prometheus_unreachable', message: expect.stringMatching(/refused Drover's credentials \(HTTP 401\); check the token or password in prometheus$/) as unknown });
    await writeFile(file, 'rotated-token-2\n');
    expect(await o.value('sum(shop_ready_replicas)')).toBe(5);
    expect(seen.slice(-2)).toEqual(['Bearer old-token-1', 'Bearer rotated-token-2']);
    // The audit record names the server, never the credentials.
    expect(JSON.stringify(records)).not.toMatch(/token/);
  });

  test('basic auth from settings', async () => {
    const settings = prometheusSchema.parse({ url: proxyUrl, username: 'drover', password: 's3cret-pass' });
    const o = ops(prometheusFor(settings, 'prod'));
    expect(await o.value('sum(shop_ready_replicas)')).toBe(5);
    expect(JSON.stringify(records)).not.toContain('s3cret');
  });
});

test('settings: both auth kinds, or half of basic auth, are refused with words', () => {
  expect(prometheusSchema.safeParse({ url: 'http://p:9090', bearerToken: 'x', username: 'u', password: 'p' }).success).toBe(false);
  expect(prometheusSchema.safeParse({ url: 'http://p:9090', username: 'u' }).error?.issues[0]?.message).toBe('basic auth needs both a username and a password');
  expect(prometheusSchema.safeParse({ url: 'ftp://p' }).success).toBe(false);
  const s = prometheusSchema.parse({ url: 'http://p:9090', bearerToken: 'x', timeout: '5s', clusters: { eu: { url: 'http://eu:9090' } } });
  // A per-cluster entry does not inherit the default server's credentials.
  expect(prometheusFor(s, 'eu')).toEqual({ url: 'http://eu:9090', source: 'prometheus.clusters.eu', timeoutMs: 5000, maxResponseBytes: 10 * 1024 * 1024 });
  expect(prometheusFor(s, 'us')).toMatchObject({ url: 'http://p:9090', auth: { bearerToken: 'x' } });
});
