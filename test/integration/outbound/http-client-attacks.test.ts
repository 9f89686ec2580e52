/**
 * ctx.http under attack, against real loopback servers: URL forms that might
 * slip past the allow-list, redirects that downgrade or carry a runbook's
 * headers to another host, header injection, answers that trickle, and
 * messages that must not echo a credential the runbook handed in.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { allowList } from '../../../src/outbound/allow-list.js';
import { createHttpOps } from '../../../src/outbound/http-client.js';
import type { HttpRequestRecord } from '../../../src/outbound/http-types.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

interface Served {
  server: Server;
  port: number;
  seen: Seen[];
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Served> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      handler(req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

let api: Served;
let other: Served;
let records: HttpRequestRecord[];

beforeAll(async () => {
  other = await serve((_req, res) => res.writeHead(200).end('other'));
  api = await serve((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    switch (url.pathname) {
      case '/to-other':
        res.writeHead(307, { Location: `http://127.0.0.1:${other.port}/landing` }).end();
        return;
      case '/to-metadata':
        res.writeHead(302, { Location: 'http://169.254.169.254/latest/meta-data/' }).end();
        return;
      case '/to-loopback-name':
        res.writeHead(302, { Location: `http://localhost:${api.port}/ok` }).end();
        return;
      case '/trickle': {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        const timer = setInterval(() => res.write('x'), 50);
        res.on('close', () => clearInterval(timer));
        return;
      }
      default:
        res.writeHead(200).end('ok');
    }
  });
});

afterAll(async () => {
  for (const s of [api, other]) {
    s.server.closeAllConnections();
    await new Promise((r) => s.server.close(r));
  }
});

beforeEach(() => {
  records = [];
  api.seen.length = 0;
  other.seen.length = 0;
});

function http(allow: string[], extra: { timeoutMs?: number } = {}) {
  return createHttpOps({
    allow: allowList(allow),
    dryRun: false,
    timeoutMs: extra.timeoutMs ?? 2000,
    maxResponseBytes: 1024 * 1024,
    onRequest: (r) => void records.push(r),
  });
}

const apiOrigin = () => `http://127.0.0.1:${api.port}`;

test('URL forms that name another host are refused before anything is sent', async () => {
  const ops = http([apiOrigin()]);
  const p = api.port;
  for (const url of [
    `http://127.0.0.1.nip.io:${p}/`, // the allowed name as a prefix of another
    `http://localhost:${p}/`, // the same machine under another name
    `http://[::ffff:127.0.0.1]:${p}/`, // IPv4-mapped IPv6
    `http://127.0.0.1:${other.port}/`, // another port
    `https://127.0.0.1:${p}/`, // another scheme
  ]) {
    await expect(ops.request({ url })).rejects.toMatchObject({ code: 'http_not_allowed' });
  }
  expect(other.seen).toEqual([]);
  expect(api.seen).toEqual([]);
});

test('equivalent spellings of the listed origin reach it (the URL parser normalises them)', async () => {
  const ops = http([apiOrigin()]);
  for (const url of [`HTTP://127.0.0.1:${api.port}/a`, `http://2130706433:${api.port}/b`, `http://127.1:${api.port}/c`]) {
    expect((await ops.request({ url })).status).toBe(200);
  }
  expect(api.seen.map((s) => s.url)).toEqual(['/a', '/b', '/c']);
});

test('a trailing-dot host is not the listed one (fail closed), nor an IDN look-alike', async () => {
  const ops = http(['status.example.com', 'bücher.example']);
  await expect(ops.request({ url: 'https://status.example.com./' })).rejects.toMatchObject({ code: 'http_not_allowed' });
  await expect(ops.request({ url: 'https://status.examp1e.com/' })).rejects.toMatchObject({ code: 'http_not_allowed' });
  await expect(ops.request({ url: 'https://bucher.example/' })).rejects.toMatchObject({ code: 'http_not_allowed' });
});

test('credentials in the URL are refused with words, never echoed in the message', async () => {
  const err = await http([apiOrigin()])
    .request({ url: `http://user:hunter2-pw@127.0.0.1:${api.port}/` })
    .then(() => new Error('sent'), (e: unknown) => e as Error & { code?: string });
  expect(err).toMatchObject({ code: 'params_invalid' });
  expect(err.message).toMatch(/credentials|user name|password/i);
  expect(JSON.stringify([err.message, (err.cause as Error | undefined)?.message ?? '', records])).not.toContain('hunter2');
  // Userinfo that looks like the allowed host: refused as credentials in a URL.
  await expect(http([apiOrigin()]).request({ url: `http://127.0.0.1:${api.port}@127.0.0.1:${other.port}/` })).rejects.toMatchObject({ code: 'params_invalid' });
  expect(other.seen).toEqual([]);
  expect(api.seen).toEqual([]);
});

test('a header value or name with CR/LF is refused, and the value is never echoed', async () => {
  const ops = http([apiOrigin()]);
  const attempts: Array<Record<string, string>> = [{ Authorization: 'Bearer s3cr3t-tok\r\nX-Evil: 1' }, { 'X-Api-Key\r\nX-Evil': 's3cr3t-tok' }];
  for (const headers of attempts) {
    const err = await ops.request({ url: `${apiOrigin()}/h`, headers }).then(() => new Error('sent'), (e: unknown) => e as Error & { code?: string });
    expect(err).toMatchObject({ code: 'params_invalid' });
    expect(JSON.stringify([err.message, String((err.cause as Error | undefined)?.message ?? '')])).not.toContain('s3cr3t');
  }
  expect(api.seen).toEqual([]);
});

test("a redirect to another listed host carries none of the runbook's own headers (only safe ones)", async () => {
  const ops = http([apiOrigin(), `http://127.0.0.1:${other.port}`]);
  const res = await ops.request({
    url: `${apiOrigin()}/to-other`,
    headers: { Authorization: 'Bearer a', 'X-Api-Key': 'key-for-api-only', 'PRIVATE-TOKEN': 'p', Accept: 'text/plain' },
  });
  expect(res.status).toBe(200);
  const h = other.seen[0]?.headers ?? {};
  expect(h.authorization).toBeUndefined();
  expect(h['x-api-key']).toBeUndefined();
  expect(h['private-token']).toBeUndefined();
  expect(h.accept).toBe('text/plain');
});

test('a redirect from https down to plain http is refused even when both are listed', async () => {
  // An https origin that redirects: a local fetch stands in for TLS, the check is on the URLs.
  const ops = createHttpOps({
    allow: allowList(['secure.example.com', 'http://secure.example.com']),
    dryRun: false,
    timeoutMs: 2000,
    maxResponseBytes: 1024,
    fetch: (input: string | URL | Request) => {
      const url = new URL(input instanceof Request ? input.url : input);
      if (url.protocol === 'https:') return Promise.resolve(new Response(null, { status: 302, headers: { Location: 'http://secure.example.com/plain' } }));
      return Promise.resolve(new Response('plain', { status: 200 }));
    },
  });
  await expect(ops.request({ url: 'https://secure.example.com/', headers: { Authorization: 'Bearer t' } })).rejects.toMatchObject({
    code: 'http_not_allowed',
    message: expect.stringMatching(/plain http/) as unknown,
  });
});

test('redirects to the metadata address or another name for loopback are refused', async () => {
  const ops = http([apiOrigin()]);
  await expect(ops.request({ url: `${apiOrigin()}/to-metadata` })).rejects.toMatchObject({ code: 'http_not_allowed' });
  await expect(ops.request({ url: `${apiOrigin()}/to-loopback-name` })).rejects.toMatchObject({ code: 'http_not_allowed' });
});

test('an answer that trickles forever ends at the timeout as http_unreachable, retryable', async () => {
  const started = Date.now();
  await expect(http([apiOrigin()]).request({ url: `${apiOrigin()}/trickle`, timeout: 400 })).rejects.toMatchObject({
    code: 'http_unreachable',
    retryable: true,
    message: expect.stringContaining('no answer within 400 ms') as unknown,
  });
  expect(Date.now() - started).toBeLessThan(3000);
  expect(records.at(-1)).toMatchObject({ outcome: 'failed', errorCode: 'http_unreachable' });
});

test('a timeout that is not a positive number is params_invalid, not a crash', async () => {
  for (const timeout of [-1, Number.NaN, 0]) {
    await expect(http([apiOrigin()]).request({ url: `${apiOrigin()}/`, timeout })).rejects.toMatchObject({ code: 'params_invalid' });
  }
});
