import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { alertRunId } from '../../../src/alertmanager/alert-intake.js';
import { isTerminal } from '../../../src/jobs/run-record.js';
import { createTracing, tracingOff } from '../../../src/tracing/create-tracing.js';
import { deliver, fingerprintOf } from '../../support/alerts.js';
import { waitFor } from '../../support/wait-for.js';
import { buildTracedDrover, type TracedDrover } from './traced-drover.js';

describe('tracing off', () => {
  it('is the default: no OTEL_* variable, no tracer, no log mixin', () => {
    expect(createTracing({ env: {} })).toBe(tracingOff);
    expect(createTracing({ env: { OTEL_SERVICE_NAME: 'drover', OTEL_TRACES_SAMPLER: 'always_on' } })).toBe(tracingOff);
  });

  it('OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none win over an endpoint, and over an exporter given in code', () => {
    const exporter = new InMemorySpanExporter();
    expect(createTracing({ env: { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' } }).tracer).toBeUndefined();
    expect(createTracing({ env: { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' } }).tracer).toBeUndefined();
    expect(createTracing({ env: { OTEL_SDK_DISABLED: 'true' }, exporter }).tracer).toBeUndefined();
  });

  describe('a Drover built without a tracer', () => {
    let t: TracedDrover;
    const exporter = new InMemorySpanExporter();

    beforeAll(async () => {
      // Disabled although an exporter is given: if anything made a span anyway, it would land here.
      const tracing = createTracing({ env: { OTEL_SDK_DISABLED: 'true' }, exporter });
      t = await buildTracedDrover(tracing);
    });

    afterAll(async () => {
      await t.close();
    });

    it('runs an alert to its end: no span, no trace context in the job, no trace_id in the logs', async () => {
      const labels = { alertname: 'TracedAlert', namespace: 'demo', deployment: 'web' };
      const startsAt = '2026-12-06T11:00:00Z';
      const runId = alertRunId('traced-scale', fingerprintOf(labels), startsAt);
      expect((await deliver(t.base, [{ labels, startsAt }])).status).toBe(200);
      const run = await waitFor(async () => {
        const r = await t.drover.store.get(runId);
        return r && isTerminal(r.state) ? r : undefined;
      }, `run ${runId}`);
      expect(run.state).toBe('succeeded');
      const job = await t.drover.queue.queue.getJob(runId);
      expect(job?.data).toBeDefined();
      expect(job?.data.trace).toBeUndefined();
      const line = t.logs.find((l) => l.msg === 'reading the deployment' && l.runId === runId);
      expect(line).toBeDefined();
      expect(line).not.toHaveProperty('trace_id');
      expect(exporter.getFinishedSpans()).toEqual([]);
    });
  });
});
