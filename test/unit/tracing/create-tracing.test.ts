import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { createTracing } from '../../../src/tracing/create-tracing.js';
import { inSpan } from '../../../src/tracing/spans.js';

describe('createTracing', () => {
  it('gives each caller its own provider: two in one process do not see each other\'s spans', async () => {
    const a = new InMemorySpanExporter();
    const b = new InMemorySpanExporter();
    const one = createTracing({ env: {}, exporter: a });
    const two = createTracing({ env: {}, exporter: b });
    await inSpan(one.tracer, 'one', {}, () => Promise.resolve());
    await inSpan(two.tracer, 'two', {}, () => Promise.resolve());
    expect(a.getFinishedSpans().map((s) => s.name)).toEqual(['one']);
    expect(b.getFinishedSpans().map((s) => s.name)).toEqual(['two']);
    // Never the global provider.
    expect(trace.getTracerProvider()).not.toBe(one.provider);
    await Promise.all([one.shutdown(), two.shutdown()]);
  });

  it('carries the active span across awaits, records errors as status ERROR, and mixes ids into log lines', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({ env: {}, exporter });
    let mixed: Record<string, string> = {};
    await expect(
      inSpan(tracing.tracer, 'outer', {}, async () => {
        await new Promise((r) => setTimeout(r, 5));
        await inSpan(tracing.tracer, 'inner', {}, async () => {
          await Promise.resolve();
          mixed = tracing.logMixin?.() ?? {};
          throw Object.assign(new Error('the deployment is gone'), { code: 'k8s_not_found' });
        });
      }),
    ).rejects.toThrow('the deployment is gone');
    const [inner, outer] = exporter.getFinishedSpans();
    expect(inner?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
    expect(inner?.status).toEqual({ code: 2, message: 'the deployment is gone' });
    expect(inner?.attributes['error.type']).toBe('k8s_not_found');
    expect(mixed).toEqual({ trace_id: inner?.spanContext().traceId, span_id: inner?.spanContext().spanId, trace_flags: '01' });
    expect(tracing.logMixin?.()).toEqual({});
    expect(trace.getSpan(context.active())).toBeUndefined();
    await tracing.shutdown();
  });

  it('redacts what spans carry before they are exported', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({ env: {}, exporter, redact: (text) => text.replaceAll('hunter2', '[REDACTED]') });
    await expect(
      inSpan(tracing.tracer, 'leaky', { attributes: { 'drover.note': 'password hunter2' } }, () => Promise.reject(new Error('login with hunter2 failed'))),
    ).rejects.toThrow();
    const [span] = exporter.getFinishedSpans();
    expect(JSON.stringify([span?.attributes, span?.status, span?.events])).not.toContain('hunter2');
    expect(span?.attributes['drover.note']).toBe('password [REDACTED]');
    expect(span?.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    await tracing.shutdown();
  });

  it('shuts down within its bound when the exporter never answers (an absent collector)', async () => {
    const hanging: SpanExporter = { export: () => undefined, shutdown: () => new Promise<void>(() => undefined) };
    const tracing = createTracing({ env: {}, exporter: hanging, shutdownTimeoutMs: 200 });
    await inSpan(tracing.tracer, 'lost', {}, () => Promise.resolve());
    const started = Date.now();
    await tracing.shutdown();
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
