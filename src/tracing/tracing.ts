/**
 * What the rest of Drover sees of tracing, and tracing turned off. Kept apart
 * from create-tracing.ts so that a process that does not trace never loads
 * the OpenTelemetry SDK and exporter.
 */
import type { Tracer, TracerProvider } from '@opentelemetry/api';
import type { TracingSettings } from './tracing-settings.js';

export interface Tracing {
  /** Undefined when tracing is off: components then make no span at all. */
  readonly tracer: Tracer | undefined;
  readonly provider: TracerProvider | undefined;
  /** The settings read from the environment, undefined when off. */
  readonly settings: TracingSettings | undefined;
  /** A pino `mixin` adding trace_id and span_id to lines logged inside a span; undefined when off. */
  readonly logMixin: (() => Record<string, string>) | undefined;
  /** Sends the spans ended so far (bounded). */
  flush(): Promise<void>;
  /** Sends what is left (bounded) and stops; later spans are dropped. */
  shutdown(): Promise<void>;
}

export const tracingOff: Tracing = {
  tracer: undefined,
  provider: undefined,
  settings: undefined,
  logMixin: undefined,
  flush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};
