/**
 * ctx.http against real loopback HTTP servers: only hosts in outbound.allow are
 * called (scheme, host and port must match), redirects are followed only
 * while they stay on the list, answers are bounded in size and time, a dry
 * run sends reads only and plans writes, and the audit records carry no
 * bodies, headers, query strings or secret values.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { allowList, allowEntrySchema, parseAllowEntry } from '../../../src/outbound/allow-list.js';
import { createHttpOps } from '../../../src/outbound/http-client.js';
import type { HttpRequestRecord } from '../../../src/outbound/http-types.js';
import type { PlannedChange } from '../../../src/k8s/types.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ server: Server; origin: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

let api: Awaited<ReturnType<typeof serve>>;
let offList: Awaited<ReturnType<typeof serve>>;
let records: HttpRequestRecord[];
let changes: PlannedChange[];

beforeAll(async () => {
  offList = await serve((_req, res) => res.writeHead(200).end('off the list'));
  api = await serve((req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://x');
    switch (url.pathname) {
      case '/status':
        res.writeHead(200, { 'Content-Type': 'application/json', 'X-Thing': 'yes' }).end(JSON.stringify({ status: { indicator: 'none' } }));
        return;
      case '/incidents':
        res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify({ id: 'inc-1', got: JSON.parse(body || 'null') as unknown }));
        return;
      case '/moved':
        res.writeHead(302, { Location: '/status' }).end();
        return;
      case '/post-redirect':
        res.writeHead(303, { Location: '/status' }).end();
        return;
      case '/away':
        res.writeHead(302, { Location: `${offList.origin}/steal` }).end();
        return;
      case '/big':
        res.writeHead(200).end('x'.repeat(5000));
        return;
      case '/slow':
        setTimeout(() => res.writeHead(200).end('late'), 3000).unref();
        return;
      default:
        res.writeHead(404).end('no');
    }
  });
});

afterAll(async () => {
  for (const s of [api, offList]) {
    s.server.closeAllConnections();
    await new Promise((r) => s.server.close(r));
  }
});

beforeEach(() => {
  records = [];
  changes = [];
  api.seen.length = 0;
  offList.seen.length = 0;
});

function http(dryRun = false, extra: { timeoutMs?: number; maxResponseBytes?: number; scrub?: (t: string) => string } = {}) {
  return createHttpOps({
    allow: allowList([api.origin]),
    dryRun,
    timeoutMs: extra.timeoutMs ?? 2000,
    maxResponseBytes: extra.maxResponseBytes ?? 1024 * 1024,
    onRequest: (r) => void records.push(r),
    onChange: (c) => void changes.push(c),
    ...(extra.scrub ? { scrub: extra.scrub } : {}),
  });
}

test('GET a listed host: status, lower-case headers, text() and json()', async () => {
  const res = await http().request({ url: `${api.origin}/status?token=abc123` });
  expect(res).toMatchObject({ status: 200, ok: true, sent: true });
  expect(res.headers['x-thing']).toBe('yes');
  expect(res.json<{ status: { indicator: string } }>().status.indicator).toBe('none');
  expect(res.text()).toContain('indicator');
  // Audited without the query string (tokens travel there).
  expect(records).toEqual([{ method: 'GET', host: api.origin.slice(7), path: '/status', dryRun: false, sent: true, outcome: 'succeeded', status: 200, durationMs: expect.any(Number) as unknown }]);
});

test('POST json: sent with its content type; the write joins the plan; the audit has no body', async () => {
  const res = await http().request({ method: 'POST', url: `${api.origin}/incidents`, json: { title: 'web restarted' }, headers: { Authorization: 'Bearer secret-token-123' } });
  expect(res.status).toBe(201);
  expect(res.json<{ got: unknown }>().got).toEqual({ title: 'web restarted' });
  expect(api.seen[0]?.headers['content-type']).toBe('application/json');
  expect(changes).toEqual([{ verb: 'create', kind: 'HTTP', name: `${api.origin}/incidents`, dryRun: false, summary: `POST ${api.origin}/incidents (HTTP 201)`, diff: '' }]);
  expect(JSON.stringify(records)).not.toMatch(/web restarted|secret-token/);
});

test('a dry run sends GET and HEAD, and plans writes without sending them', async () => {
  const dry = http(true);
  expect((await dry.request({ url: `${api.origin}/status` })).status).toBe(200);
  expect((await dry.request({ method: 'HEAD', url: `${api.origin}/status` })).status).toBe(200);
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    const res = await dry.request({ method, url: `${api.origin}/incidents`, json: { a: 1 } });
    expect(res).toMatchObject({ status: 0, ok: false, sent: false });
  }
  expect(api.seen.map((s) => s.method)).toEqual(['GET', 'HEAD']);
  expect(changes.map((c) => [c.verb, c.dryRun, c.summary])).toEqual([
    ['create', true, `POST ${api.origin}/incidents (not sent: dry run)`],
    ['update', true, `PUT ${api.origin}/incidents (not sent: dry run)`],
    ['patch', true, `PATCH ${api.origin}/incidents (not sent: dry run)`],
    ['delete', true, `DELETE ${api.origin}/incidents (not sent: dry run)`],
  ]);
  expect(records.filter((r) => r.outcome === 'planned')).toHaveLength(4);
});

test('a host not listed is http_not_allowed, naming it and the setting; nothing is sent', async () => {
  await expect(http().request({ url: `${offList.origin}/` })).rejects.toMatchObject({
    code: 'http_not_allowed',
    message: expect.stringContaining(`ctx.http may not call ${offList.origin}, which outbound.allow does not list`) as unknown,
  });
  // Same host, other scheme or port: not the same origin.
  await expect(http().request({ url: api.origin.replace('http:', 'https:') })).rejects.toMatchObject({ code: 'http_not_allowed' });
  await expect(http().request({ url: 'http://localhost/' })).rejects.toMatchObject({ code: 'http_not_allowed' });
  expect(offList.seen).toEqual([]);
});

test('redirects are followed while they stay on the list; off the list is refused before it is followed', async () => {
  const moved = await http().request({ url: `${api.origin}/moved` });
  expect(moved.status).toBe(200);
  const posted = await http().request({ method: 'POST', url: `${api.origin}/post-redirect`, body: 'x' });
  expect(posted.status).toBe(200);
  expect(api.seen.slice(-1)[0]?.method).toBe('GET');
  await expect(http().request({ url: `${api.origin}/away`, headers: { Authorization: 'Bearer t' } })).rejects.toMatchObject({
    code: 'http_not_allowed',
    message: expect.stringContaining(`redirected to ${offList.origin}`) as unknown,
  });
  expect(offList.seen).toEqual([]);
});

test('answers are bounded in size and time', async () => {
  await expect(http(false, { maxResponseBytes: 1000 }).request({ url: `${api.origin}/big` })).rejects.toMatchObject({ code: 'http_too_large' });
  const started = Date.now();
  await expect(http(false, { timeoutMs: 5000 }).request({ url: `${api.origin}/slow`, timeout: 200 })).rejects.toMatchObject({ code: 'http_unreachable', retryable: true, message: expect.stringContaining('no answer within 200 ms') as unknown });
  expect(Date.now() - started).toBeLessThan(2000);
  expect(records.at(-1)).toMatchObject({ outcome: 'failed', errorCode: 'http_unreachable' });
});

test("a run's secret values are scrubbed from the recorded path and plan", async () => {
  const secret = 'T0KEN-in-path-9876';
  await http(true, { scrub: (t) => t.split(secret).join('[secret]') }).request({ method: 'POST', url: `${api.origin}/hooks/${secret}`, json: {} });
  expect(JSON.stringify([records, changes])).not.toContain(secret);
  expect(changes[0]?.summary).toBe(`POST ${api.origin}/hooks/[secret] (not sent: dry run)`);
});

test('outbound.allow entries: hosts, host:port, origins; no paths, wildcards or other schemes', () => {
  expect(parseAllowEntry('status.example.com')).toEqual({ scheme: 'https', host: 'status.example.com', port: 443, entry: 'status.example.com' });
  expect(parseAllowEntry('Tickets.example.com:8443')).toMatchObject({ scheme: 'https', host: 'tickets.example.com', port: 8443 });
  expect(parseAllowEntry('http://10.0.0.5:8080')).toMatchObject({ scheme: 'http', host: '10.0.0.5', port: 8080 });
  expect(allowEntrySchema.safeParse('https://x.example.com/api').success).toBe(false);
  expect(allowEntrySchema.safeParse('*.example.com').success).toBe(false);
  expect(allowEntrySchema.safeParse('ftp://x.example.com').success).toBe(false);
});
