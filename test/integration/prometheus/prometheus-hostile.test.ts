/**
 * ctx.prometheus against a hostile or broken server on loopback: its token
 * never reaches a message, an audit record or another cluster's server; its
 * words are bounded; answers of the wrong shape, or that trickle, end as coded
 * errors; and a run's secret values are scrubbed from the recorded PromQL.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrometheusOps } from '../../../src/prometheus/prometheus-client.js';
import { prometheusFor, prometheusSchema, type PrometheusConnection } from '../../../src/prometheus/settings.js';
import type { PromQueryRecord } from '../../../src/prometheus/types.js';

interface Hostile {
  server: Server;
  url: string;
  auth: Array<string | undefined>;
  next: (req: IncomingMessage, res: ServerResponse) => void;
}

async function hostile(): Promise<Hostile> {
  const h = { auth: [], next: (_req: IncomingMessage, res: ServerResponse) => void res.writeHead(500).end() } as unknown as Hostile;
  h.server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      h.auth.push(req.headers.authorization);
      h.next(req, res);
    });
  });
  await new Promise<void>((r) => h.server.listen(0, '127.0.0.1', r));
  h.url = `http://127.0.0.1:${(h.server.address() as AddressInfo).port}`;
  return h;
}

async function stop(h: Hostile): Promise<void> {
  h.server.closeAllConnections();
  await new Promise((r) => h.server.close(r));
}

let a: Hostile;
let b: Hostile;
let dir: string;
let records: PromQueryRecord[];
const TOKEN = 'tok-9f8e7d6c5b4a';

beforeAll(async () => {
  a = await hostile();
  b = await hostile();
  dir = await mkdtemp(join(tmpdir(), 'drover-prom-hostile-'));
});

afterAll(async () => {
  await stop(a);
  await stop(b);
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  records = [];
  a.auth.length = 0;
  b.auth.length = 0;
});

function ops(connection: PrometheusConnection | undefined, scrub?: (t: string) => string) {
  return createPrometheusOps({ cluster: 'prod', connection, onQuery: (r) => void records.push(r), ...(scrub ? { scrub } : {}) });
}

function conn(over: Partial<PrometheusConnection> = {}): PrometheusConnection {
  return { url: a.url, source: 'prometheus', timeoutMs: 2000, maxResponseBytes: 1024 * 1024, auth: { bearerToken: TOKEN }, ...over };
}

async function failure(p: Promise<unknown>): Promise<Error & { code?: string; retryable?: boolean }> {
  return p.then(
    () => new Error('answered'),
    (e: unknown) => e as Error & { code?: string },
  );
}

test('a token file with a line break inside: refused without quoting the token, nothing sent', async () => {
  const file = join(dir, 'token-two-lines');
  await writeFile(file, `${TOKEN}\nsecond-line\n`);
  const err = await failure(ops(conn({ auth: { bearerTokenFile: file } })).query('up'));
  expect(err).toMatchObject({ code: 'prometheus_unreachable' });
  expect(err.message).toMatch(/line break/);
  expect(err.message).toContain('prometheus');
  expect(JSON.stringify([err.message, (err.cause as Error | undefined)?.message ?? '', records])).not.toContain(TOKEN);
  expect(a.auth).toEqual([]);
});

test('a URL with a user name and password is refused by the settings; given anyway, never quoted', async () => {
  expect(prometheusSchema.safeParse({ url: 'https://drover:pw-123@prom.example' }).error?.issues[0]?.message).toMatch(/username and password/);
  expect(prometheusSchema.safeParse({ url: 'https://p.example', clusters: { eu: { url: 'https://u:pw-123@eu.example' } } }).success).toBe(false);
  const err = await failure(ops(conn({ url: `http://u:pw-123@127.0.0.1:${new URL(a.url).port}` })).query('up'));
  expect(JSON.stringify([err.message, (err.cause as Error | undefined)?.message ?? '', records])).not.toContain('pw-123');
});

test("one cluster's token never goes to another cluster's server", async () => {
  a.next = (_req, res) => void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}');
  b.next = a.next;
  const settings = prometheusSchema.parse({ url: a.url, bearerToken: TOKEN, clusters: { eu: { url: b.url }, constructor: { url: b.url } } });
  await createPrometheusOps({ cluster: 'eu', connection: prometheusFor(settings, 'eu') }).query('1');
  await createPrometheusOps({ cluster: '__proto__', connection: prometheusFor(settings, '__proto__') }).query('1');
  await createPrometheusOps({ cluster: 'constructor', connection: prometheusFor(settings, 'constructor') }).query('1');
  await createPrometheusOps({ cluster: 'us', connection: prometheusFor(settings, 'us') }).query('1');
  expect(b.auth).toEqual([undefined, undefined]);
  expect(a.auth).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
});

test("a server's error words are bounded, and the token is scrubbed if it echoes it", async () => {
  a.next = (req, res) =>
    void res
      .writeHead(422, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: `you sent ${req.headers.authorization ?? ''} ${'blah '.repeat(100_000)}` }));
  const err = await failure(ops(conn()).query('up'));
  expect(err).toMatchObject({ code: 'prometheus_bad_query' });
  expect(err.message.length).toBeLessThan(1200);
  expect(err.message).not.toContain(TOKEN);
  a.next = (req, res) => void res.writeHead(502).end(JSON.stringify({ error: `upstream saw ${req.headers.authorization ?? ''}` }));
  const bad = await failure(ops(conn()).query('up'));
  expect(bad).toMatchObject({ code: 'prometheus_unreachable' });
  expect(bad.message).not.toContain(TOKEN);
});

test('answers of the wrong shape are coded errors in words, not a TypeError', async () => {
  const shapes = [
    { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: null }] } },
    { status: 'success', data: { resultType: 'vector', result: { not: 'an array' } } },
    { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: 7 }] } },
    { status: 'success', data: { resultType: 'scalar', result: null } },
  ];
  for (const shape of shapes) {
    a.next = (_req, res) => void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(shape));
    const err = await failure(ops(conn()).query('up'));
    expect(err).toMatchObject({ code: 'prometheus_unreachable', retryable: false });
    expect(err.message).toMatch(/not a Prometheus query result/);
  }
});

test('an answer that trickles past the timeout ends as prometheus_unreachable, in time', async () => {
  a.next = (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const timer = setInterval(() => res.write(' '), 50);
    res.on('close', () => clearInterval(timer));
  };
  const started = Date.now();
  await expect(ops(conn({ timeoutMs: 400 })).query('up')).rejects.toMatchObject({
    code: 'prometheus_unreachable',
    retryable: true,
    message: expect.stringContaining('no answer within 400 ms') as unknown,
  });
  expect(Date.now() - started).toBeLessThan(3000);
});

test("a run's secret values are scrubbed from the PromQL the audit records", async () => {
  a.next = (_req, res) => void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"success","data":{"resultType":"vector","result":[]}}');
  const secret = 'tenant-key-55aa';
  await ops(conn(), (t) => t.split(secret).join('[secret]')).query(`up{key="${secret}"}`);
  expect(records[0]?.query).toBe('up{key="[secret]"}');
  expect(JSON.stringify(records)).not.toContain(secret);
});
