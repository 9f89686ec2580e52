import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { openRuntime } from '../../../src/cli/runtime.js';
import { drover } from '../../support/cli.js';
import { redisClient } from '../../support/redis.js';
import { seedDemo } from '../../support/seed.js';
import { ALLOW_ALL_POLICY, ROOT, buildTestDrover, type TestDrover } from '../../support/test-drover.js';

// A collector that takes the connection and never answers. A short-lived
// command waits at most 1 s for its spans as it exits (it waited the serving
// processes' 5 s: every `drover run` took 5 s longer while the collector was
// away); a serving process still gives its last spans 5 s when it stops.
describe('the tracing shutdown bound, with a collector that never answers', () => {
  let server: Server;
  const sockets: Socket[] = [];
  let endpoint: string;
  let t: TestDrover;

  beforeAll(async () => {
    server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    t = await buildTestDrover();
    seedDemo(t.fake);
    // A worker serves the cluster `drover run` sends to.
    await t.drover.startWorker();
  });

  afterAll(async () => {
    await t.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((r) => server.close(r));
  });

  it('drover run waits about 1 s for its spans, not 5 s', async () => {
    const connections = sockets.length;
    const started = performance.now();
    const r = await drover(t, ['run', 'scale-deployment', 'namespace=demo', 'deployment=web', 'replicas=3'], { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
    const elapsed = performance.now() - started;
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // It did try to send them: the collector holds the connection, and the bound was waited.
    expect(sockets.length).toBeGreaterThan(connections);
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(3500);
  }, 20_000);

  it('a serving process keeps 5 s', async () => {
    const redis = redisClient();
    const rt = await openRuntime(
      { env: { DROVER_REDIS_PREFIX: t.prefix, DROVER_POLICY: ALLOW_ALL_POLICY, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, cwd: ROOT },
      { withClusters: false, redis },
    );
    const connections = sockets.length;
    rt.tracing.tracer?.startSpan('last span').end();
    const stopping = performance.now();
    await rt.close();
    const elapsed = performance.now() - stopping;
    redis.disconnect();
    expect(sockets.length).toBeGreaterThan(connections);
    expect(elapsed).toBeGreaterThanOrEqual(4900);
    expect(elapsed).toBeLessThan(7000);
  }, 20_000);
});
