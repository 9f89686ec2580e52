import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { isTerminal } from '../../../src/jobs/run-record.js';
import { createTracing, type Tracing } from '../../../src/tracing/create-tracing.js';
import { waitFor } from '../../support/wait-for.js';
import { buildTracedDrover, type TracedDrover } from './traced-drover.js';

// A collector that takes the connection and never answers: the worst kind of
// absent (a refused connection fails at once). Runs must not wait for it, and
// stopping must not wait longer than the shutdown bound.
describe('an OTLP collector that never answers', () => {
  let server: Server;
  const sockets: Socket[] = [];
  let tracing: Tracing;
  let t: TracedDrover;

  beforeAll(async () => {
    server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    tracing = createTracing({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '10' }, shutdownTimeoutMs: 1000 });
    t = await buildTracedDrover(tracing);
  });

  afterAll(async () => {
    await t.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((r) => server.close(r));
  });

  it('runs finish as usual while exports hang, and shutdown returns within its bound', async () => {
    const started = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await t.drover.queue.submit({ runbook: 'traced-scale', params: { namespace: 'demo', deployment: 'web', replicas: 2 + i }, requester: { kind: 'cli', id: 'bob@laptop' } })).id);
    }
    for (const id of ids) await waitFor(async () => isTerminal((await t.drover.store.get(id))?.state ?? 'queued'), `run ${id}`);
    expect(performance.now() - started).toBeLessThan(5000);
    // The exporter did try: the collector holds its connection.
    await waitFor(() => sockets.length > 0, 'an export attempt');
    const stopping = performance.now();
    await tracing.shutdown();
    expect(performance.now() - stopping).toBeLessThan(1500);
  });
});
