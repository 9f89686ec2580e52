import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { isTerminal } from '../../../src/jobs/run-record.js';
import { createTracing, type Tracing } from '../../../src/tracing/create-tracing.js';
import { drover } from '../../support/cli.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { seedDemo } from '../../support/seed.js';
import { waitFor } from '../../support/wait-for.js';
import { startReceiver } from './otlp-receiver.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}

/** The spans of OTLP/JSON export bodies. */
function spansIn(bodies: string[]): OtlpSpan[] {
  return bodies.flatMap((body) =>
    (JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> }).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)),
  );
}

describe('drover run, traced across processes: the CLI exports over OTLP, the worker continues its trace', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let t: TestDrover;

  beforeAll(async () => {
    receiver = await startReceiver();
    tracing = createTracing({ env: {}, exporter });
    // The worker: its own provider, in memory. The CLI below builds another from its environment.
    t = await buildTestDrover({ ...(tracing.tracer ? { tracer: tracing.tracer } : {}) });
    seedDemo(t.fake);
    await t.drover.startWorker();
  });

  afterAll(async () => {
    await t.close();
    await tracing.shutdown();
    await receiver.stop();
  });

  it('the CLI sends its spans before it exits; the run\'s process span is a child of the CLI\'s send span', async () => {
    const result = await drover(t, ['run', 'scale-deployment', 'namespace=demo', 'deployment=web', 'replicas=4'], {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.base,
      OTEL_SERVICE_NAME: 'drover-cli',
    });
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const runId = /Run (\S+) queued/.exec(result.out)?.[1];
    expect(runId).toBeDefined();
    // Sent during the CLI's shutdown: nothing to wait for once it has returned.
    const cliSpans = spansIn(receiver.received.filter((r) => r.url === '/v1/traces').map((r) => r.body));
    const root = cliSpans.find((s) => s.name === 'cli run');
    const send = cliSpans.find((s) => s.name === 'send runs');
    expect(root).toBeDefined();
    expect(send?.parentSpanId).toBe(root?.spanId);
    expect(receiver.received[0]?.body).toContain('"drover-cli"');
    expect(receiver.received[0]?.body).toMatch(/"service\.instance\.id","value":\{"stringValue":"[^"]+-\d+"\}/);

    await waitFor(async () => {
      const r = await t.drover.store.get(runId!);
      return r && isTerminal(r.state);
    }, `run ${runId}`);
    const process = await waitFor(() => exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER && s.attributes['drover.run.id'] === runId), 'the worker\'s process span');
    expect(process.spanContext().traceId).toBe(root?.traceId);
    expect(process.parentSpanContext?.spanId).toBe(send?.spanId);
    expect(process.attributes['drover.outcome']).toBe('succeeded');
  });
});
