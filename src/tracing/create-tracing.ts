/**
 * Drover's tracing, built from the OTEL_* variables it is given: a tracer
 * provider of its own (never registered as the global one, so several
 * Drovers in one process each keep theirs), or nothing at all when tracing
 * is off, the default: then no span is made anywhere and the only cost is an
 * `if` where a span would begin.
 */
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { ensureContextManager } from './context-manager.js';
import { logMixin } from './log-mixin.js';
import { redactingExporter } from './redacting-exporter.js';
import { tracingSettings, type Env, type TracingSettings } from './tracing-settings.js';
import { tracingOff, type Tracing } from './tracing.js';

export { tracingOff, type Tracing };

export const TRACER_NAME = 'drover';

export interface TracingOptions {
  /** The environment to read OTEL_* from (the entry point passes process.env). */
  env: Env;
  /**
   * Replaces the configured exporters and sends each span as it ends (tests:
   * an InMemorySpanExporter). Turns tracing on unless the environment turns it off.
   */
  exporter?: SpanExporter;
  serviceVersion?: string;
  /** `service.instance.id`: which process of several (a pod name and pid) sent a span. */
  instanceId?: string;
  /** Configuration problems (an unknown sampler, a malformed header list). */
  warn?: (message: string) => void;
  /** Drover's redactor, applied to every text a span carries before it is exported. */
  redact?: (text: string) => string;
  /** How long a shutdown may spend sending what is left (default 5 s): a stopping pod must not hang on an absent collector. */
  shutdownTimeoutMs?: number;
}

function samplerFor({ name, ratio }: TracingSettings['sampler']): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function processorsFor(settings: TracingSettings, exporter: SpanExporter | undefined, redact: ((text: string) => string) | undefined): SpanProcessor[] {
  const redacted = (e: SpanExporter) => (redact ? redactingExporter(e, redact) : e);
  if (exporter) return [new SimpleSpanProcessor(redacted(exporter))];
  return settings.exporters.map((name) =>
    name === 'console'
      ? new SimpleSpanProcessor(redacted(new ConsoleSpanExporter()))
      : new BatchSpanProcessor(
          // Everything given explicitly: the exporter would otherwise read process.env itself.
          redacted(new OTLPTraceExporter({ url: settings.otlp.url, headers: settings.otlp.headers, timeoutMillis: settings.otlp.timeoutMs })),
          settings.batch,
        ),
  );
}

/** Bounded: resolves after `ms` whatever `work` does. */
async function within(ms: number, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
}

/** Tracing as the environment asks for it; `tracingOff` when it does not. */
export function createTracing(options: TracingOptions): Tracing {
  const warn = options.warn ?? (() => undefined);
  // An injected exporter asks for tracing; OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none still win.
  const settings = tracingSettings(options.exporter ? { OTEL_TRACES_EXPORTER: 'console', ...options.env } : options.env, warn);
  if (!settings) return tracingOff;
  ensureContextManager();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      ...settings.resourceAttributes,
      [ATTR_SERVICE_NAME]: settings.serviceName,
      ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
      ...(options.instanceId ? { 'service.instance.id': options.instanceId } : {}),
    }),
    sampler: samplerFor(settings.sampler),
    spanProcessors: processorsFor(settings, options.exporter, options.redact),
  });
  const timeoutMs = options.shutdownTimeoutMs ?? 5000;
  let stopped: Promise<void> | undefined;
  return {
    tracer: provider.getTracer(TRACER_NAME, options.serviceVersion),
    provider,
    settings,
    logMixin,
    flush: () => within(timeoutMs, provider.forceFlush()),
    shutdown: () => (stopped ??= within(timeoutMs, provider.shutdown())),
  };
}
