import { context, isSpanContextValid, trace } from '@opentelemetry/api';

/**
 * A pino `mixin`: the ids of the span active where a line is logged, so a
 * log line leads to its trace (the names OpenTelemetry's log data model uses).
 */
export function logMixin(): Record<string, string> {
  const span = trace.getSpan(context.active());
  // A fresh object each time: pino's default merge writes the line's fields into it.
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  if (!isSpanContextValid({ traceId, spanId, traceFlags })) return {};
  return { trace_id: traceId, span_id: spanId, trace_flags: `0${(traceFlags & 1).toString(16)}` };
}
