/**
 * A hostile network peer without credentials at the agent's HTTP port (the
 * entry point serves `agent.router.listener`): only /metrics, /healthz and
 * /readyz answer, anything else is a 404 that says nothing, big headers and
 * odd methods are refused, and /metrics shows no secret.
 */
import { createServer, request, type Server } from 'node:http';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createAgentUser } from '../../../src/fleet/acl.js';
import { createAgent, type Agent } from '../../../src/fleet/agent.js';
import type { K8sOpsFactory } from '../../../src/jobs/run-worker.js';
import { listen } from '../../../src/http/listen.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/redis-server.js';
import { allowAll, buildTestDrover, type TestDrover } from '../../support/test-drover.js';

const CLUSTER = 'store-http';
let server: PrivateRedis;
let t: TestDrover;
let agentRedis: Redis;
let agent: Agent;
let http: Server;
let port: number;
let password: string;

function send(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

beforeAll(async () => {
  server = await startPrivateRedis();
  t = await buildTestDrover({ redisUrl: server.url });
  const made = await createAgentUser(t.redis, { prefix: t.prefix, cluster: CLUSTER });
  password = made.password;
  await t.drover.fleet.registry.register({ name: CLUSTER, labels: {}, createdAt: new Date().toISOString(), user: made.user });
  agentRedis = new Redis(server.url, { username: made.user, password: made.password, maxRetriesPerRequest: null });
  const k8s: K8sOpsFactory = () => {
    throw new Error('no cluster in this test');
  };
  agent = createAgent({ config: t.config, redis: agentRedis, cluster: CLUSTER, runbooks: t.drover.runbooks, k8s, logger: pino({ level: 'silent' }), policy: allowAll(), heartbeatMs: 500 });
  await agent.start();
  http = createServer(agent.router.listener);
  port = await listen(http, 0);
}, 30_000);

afterAll(async () => {
  await new Promise((r) => http?.close(r));
  await agent?.close(true).catch(() => undefined);
  await agentRedis?.quit().catch(() => undefined);
  await t?.close();
  await server?.stop();
}, 30_000);

it('answers its three routes', async () => {
  expect((await send('GET', '/healthz')).status).toBe(200);
  expect((await send('GET', '/readyz')).status).toBe(200);
  const metrics = await send('GET', '/metrics');
  expect(metrics.status).toBe(200);
  expect(metrics.body).toMatch(/drover_/);
  // Nothing that authenticates anything: no password, no URL with credentials.
  expect(metrics.body).not.toContain(password);
  expect(metrics.body).not.toMatch(/redis(s)?:\/\/[^ ]*@/);
});

it('everything else is a bare 404: the central routes, traversal, encodings, odd methods', async () => {
  for (const [method, path] of [
    ['POST', '/slack/events'],
    ['POST', '/alertmanager'],
    ['POST', '/alerts'],
    ['GET', '/api/runs'],
    ['GET', '/metrics/../admin'],
    ['GET', '/%2e%2e/%2e%2e/etc/passwd'],
    ['GET', '//metrics'],
    ['GET', '/healthz/'],
    ['DELETE', '/metrics'],
    ['POST', '/metrics'],
    ['GET', `/${'a'.repeat(8000)}`],
  ] as const) {
    const r = await send(method, path, {}, method === 'POST' ? '{"x":1}' : undefined);
    expect({ method, path: path.slice(0, 40), refused: r.status === 404 || r.status === 405 }).toEqual({ method, path: path.slice(0, 40), refused: true });
    expect(r.body.length).toBeLessThan(200);
  }
});

it('headers past Node’s limit are refused (431), and the port keeps answering', async () => {
  await expect(send('GET', '/healthz', { 'x-big': 'x'.repeat(64 * 1024) })).resolves.toMatchObject({ status: 431 });
  expect((await send('GET', '/healthz')).status).toBe(200);
});
