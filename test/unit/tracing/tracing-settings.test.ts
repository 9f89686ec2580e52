import { tracingSettings } from '../../../src/tracing/tracing-settings.js';

describe('tracing settings from OTEL_* variables', () => {
  it('is off without an exporter or an endpoint', () => {
    expect(tracingSettings({})).toBeUndefined();
    expect(tracingSettings({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' })).toBeUndefined();
  });

  it('an endpoint alone turns OTLP on; the signal endpoint is taken as it is, the base one gets /v1/traces', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })?.otlp.url).toBe('http://collector:4318/v1/traces');
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/otlp/v1/traces', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://other' })?.otlp.url).toBe('http://tempo:4318/otlp/v1/traces');
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp' })?.otlp.url).toBe('http://localhost:4318/v1/traces');
  });

  it('OTEL_SDK_DISABLED=true and OTEL_TRACES_EXPORTER=none turn it off', () => {
    expect(tracingSettings({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' })).toBeUndefined();
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBeUndefined();
  });

  it('reads the service name, sampler, headers and resource attributes; says what it ignores without echoing values', () => {
    const warnings: string[] = [];
    const s = tracingSettings(
      {
        OTEL_TRACES_EXPORTER: 'otlp,console,zipkin',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-scope-orgid=ops,authorization=Bearer%20s3cr3t-token,garbage',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,service.namespace=platform',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      },
      (w) => warnings.push(w),
    );
    expect(s).toMatchObject({
      serviceName: 'drover',
      exporters: ['otlp', 'console'],
      sampler: { name: 'parentbased_traceidratio', ratio: 0.25 },
      otlp: { headers: { 'x-scope-orgid': 'ops', authorization: 'Bearer s3cr3t-token' } },
      resourceAttributes: { 'deployment.environment.name': 'prod', 'service.namespace': 'platform' },
    });
    expect(warnings.join('\n')).toMatch(/zipkin/);
    expect(warnings.join('\n')).toMatch(/http\/json/);
    expect(warnings.join('\n')).toMatch(/without key=value/);
    expect(warnings.join('\n')).not.toContain('s3cr3t');
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SERVICE_NAME: 'drover-eu' })?.serviceName).toBe('drover-eu');
  });

  it('falls back to parentbased_always_on on an unknown sampler, and caps the ratio at 1', () => {
    const warnings: string[] = [];
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'jaeger_remote' }, (w) => warnings.push(w))?.sampler.name).toBe('parentbased_always_on');
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '7' }, (w) => warnings.push(w))?.sampler.ratio).toBe(1);
    expect(warnings).toHaveLength(2);
  });

  it('garbage in OTEL_* is warned about and replaced, never handed to the SDK (which throws on some, or turns a huge timeout into 1 ms)', () => {
    const warnings: string[] = [];
    const warn = (w: string) => warnings.push(w);
    // An endpoint that is no http(s) URL: no OTLP export (the URL is not echoed: it may carry credentials).
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url with s3cr3t' }, warn)).toBeUndefined();
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://collector/v1/traces' }, warn)).toBeUndefined();
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp,console', OTEL_EXPORTER_OTLP_ENDPOINT: '::' }, warn)?.exporters).toEqual(['console']);
    expect(warnings.filter((w) => /not an http:\/\/ or https:\/\/ URL/.test(w))).toHaveLength(3);
    expect(warnings.join('\n')).not.toContain('s3cr3t');
    warnings.length = 0;
    const s = tracingSettings(
      {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_TIMEOUT: '0',
        OTEL_BSP_EXPORT_TIMEOUT: '1e12',
        OTEL_BSP_SCHEDULE_DELAY: '-5',
        OTEL_BSP_MAX_QUEUE_SIZE: '0',
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2.5',
        OTEL_TRACES_SAMPLER_ARG: 'NaN',
      },
      warn,
    );
    expect(s?.otlp.timeoutMs).toBe(10_000);
    expect(s?.batch).toEqual({ scheduledDelayMillis: 5000, maxQueueSize: 2048, maxExportBatchSize: 512, exportTimeoutMillis: 30_000 });
    expect(s?.sampler.ratio).toBe(1);
    expect(warnings).toHaveLength(6);
    for (const name of ['OTEL_EXPORTER_OTLP_TIMEOUT', 'OTEL_BSP_EXPORT_TIMEOUT', 'OTEL_BSP_SCHEDULE_DELAY', 'OTEL_BSP_MAX_QUEUE_SIZE', 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 'OTEL_TRACES_SAMPLER_ARG']) {
      expect(warnings.join('\n')).toContain(name);
    }
  });
});
