import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createDrover } from '../../../src/app.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { RunbookRegistry } from '../../../src/runbook/registry.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { seedDemo } from '../../support/seed.js';
import { waitFor } from '../../support/wait-for.js';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('HTTP: /metrics, /healthz, /readyz', () => {
  let t: TestDrover;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    t = await buildTestDrover();
    seedDemo(t.fake);
    await t.drover.startWorker();
    server = createServer(t.drover.router.listener);
    base = await listen(server);
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await t.close();
  });

  it('exports run, Kubernetes and queue metrics, all prefixed drover_', async () => {
    const run = await t.drover.queue.submit({
      runbook: 'restart-deployment',
      params: { namespace: 'demo', deployment: 'web' },
      requester: { kind: 'cli', id: 'erin' },
    });
    await waitFor(async () => (await t.drover.store.get(run.id))?.state === 'succeeded', 'the run');
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^drover_runs_total\{runbook="restart-deployment",outcome="succeeded",dry_run="false"\} 1$/m);
    expect(text).toMatch(/^drover_run_duration_seconds_count\{runbook="restart-deployment",outcome="succeeded"\} 1$/m);
    expect(text).toMatch(/^drover_k8s_api_calls_total\{cluster="test",verb="patch",code="200"\} 1$/m);
    expect(text).toMatch(/^drover_k8s_api_calls_total\{cluster="test",verb="get",code="200"\} \d+$/m);
    expect(text).toMatch(/^drover_queue_depth\{state="waiting"\} 0$/m);
    expect(text).toMatch(/^drover_runs_enqueued_total\{runbook="restart-deployment",requester="cli"\} 1$/m);
    const names = text.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]!);
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(name).toMatch(/^drover_/);
  });

  it('healthz and readyz answer 200 while Redis answers', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: [{ name: 'redis', ok: true }, { name: 'worker', ok: true }] });
  });

  it('unknown paths are 404 and wrong methods 405', async () => {
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});

describe('readiness without Redis', () => {
  it('readyz answers 503 naming Redis when it does not answer, healthz stays 200', async () => {
    const redis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    redis.on('error', () => undefined);
    const drover = createDrover({ config: loadConfig({ env: {} }), redis, logger: pino({ level: 'silent' }), runbooks: new RunbookRegistry() });
    const server = createServer(drover.router.listener);
    const base = await listen(server);
    try {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const res = await fetch(`${base}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { ready: boolean; checks: Array<{ name: string; ok: boolean }> };
      expect(body.ready).toBe(false);
      expect(body.checks[0]).toMatchObject({ name: 'redis', ok: false });
    } finally {
      await new Promise((r) => server.close(r));
      await drover.queue.close().catch(() => undefined);
      redis.disconnect();
    }
  });
});
