/**
 * The last door before spans leave the process: the span's name, every
 * string attribute, status message and event attribute goes through Drover's
 * redactor, as log lines and chat messages do, in case an error message quotes
 * a token or a runbook names a step after one.
 */
import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-node';

function redactAttributes(attributes: Attributes, redact: (text: string) => string): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) out[key] = typeof value === 'string' ? redact(value) : value;
  return out;
}

/** The span as it is, but for its redacted texts (its prototype answers the rest: spanContext() and the like). */
function redactSpan(span: ReadableSpan, redact: (text: string) => string): ReadableSpan {
  return Object.create(span, {
    name: { value: redact(span.name) },
    attributes: { value: redactAttributes(span.attributes, redact) },
    status: { value: span.status.message === undefined ? span.status : { ...span.status, message: redact(span.status.message) } },
    events: { value: span.events.map((event) => (event.attributes ? { ...event, attributes: redactAttributes(event.attributes, redact) } : event)) },
  }) as ReadableSpan;
}

export function redactingExporter(inner: SpanExporter, redact: (text: string) => string): SpanExporter {
  return {
    export: (spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]) => inner.export(spans.map((span) => redactSpan(span, redact)), done),
    shutdown: () => inner.shutdown(),
    ...(inner.forceFlush ? { forceFlush: () => inner.forceFlush?.() ?? Promise.resolve() } : {}),
  };
}
