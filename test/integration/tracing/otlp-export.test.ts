import { isTerminal } from '../../../src/jobs/run-record.js';
import { createTracing, type Tracing } from '../../../src/tracing/create-tracing.js';
import { waitFor } from '../../support/wait-for.js';
import { buildTracedDrover, type TracedDrover } from './traced-drover.js';
import { startReceiver } from './otlp-receiver.js';

describe('OTLP/HTTP export', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let tracing: Tracing;
  let t: TracedDrover;

  beforeAll(async () => {
    receiver = await startReceiver();
    tracing = createTracing({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.base,
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20collector-token',
        OTEL_SERVICE_NAME: 'drover-otlp-test',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
    t = await buildTracedDrover(tracing);
  });

  afterAll(async () => {
    await t.close();
    await tracing.shutdown();
    await receiver.stop();
  });

  it('sends the spans of a run to OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces, with the configured headers and service name', async () => {
    expect(tracing.settings?.otlp.url).toBe(`${receiver.base}/v1/traces`);
    const outcome = await t.drover.chat.handle('run traced-scale namespace=demo deployment=web', { requester: { kind: 'cli', id: 'me@host' }, channel: 'terminal', requestId: 'otlp-1' });
    const runId = (outcome as { run: { id: string } }).run.id;
    await waitFor(async () => {
      const r = await t.drover.store.get(runId);
      return r && isTerminal(r.state);
    }, `run ${runId}`);
    // Bounded: the batch processor sends every 100 ms here.
    const post = await waitFor(() => receiver.received.find((r) => r.body.includes('"process runs"')), 'an OTLP export holding the process span', 10_000);
    expect(post.method).toBe('POST');
    expect(post.url).toBe('/v1/traces');
    expect(post.contentType).toMatch(/^application\/json/);
    expect(post.authorization).toBe('Bearer collector-token');
    const body = JSON.parse(post.body) as { resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> } }> };
    const service = body.resourceSpans[0]?.resource.attributes.find((a) => a.key === 'service.name');
    expect(service?.value.stringValue).toBe('drover-otlp-test');
    const all = receiver.received.map((r) => r.body).join('\n');
    for (const name of ['chat run', 'send runs', 'step read', 'step scale']) expect(all).toContain(`"${name}"`);
  });
});
