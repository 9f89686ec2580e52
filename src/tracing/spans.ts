import { SpanStatusCode, context, trace, type Attributes, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from './attributes.js';

/** What an error is called on a span: its DroverError code when it has one, else its class. */
export function errorType(err: unknown): string {
  if (err && typeof err === 'object') {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code) return code;
    const name = (err as { name?: unknown }).name;
    if (typeof name === 'string' && name) return name;
  }
  return '_OTHER';
}

/**
 * Marks a span failed: status ERROR, error.type, and the exception event,
 * without the stack (it can quote a runbook's arguments). Callers pass a
 * scrubbed `message` where the error's own could hold a run's secret.
 */
export function recordError(span: Span, err: unknown, message: string = err instanceof Error ? err.message : String(err)): void {
  span.recordException({ name: err instanceof Error ? err.name : 'Error', message });
  span.setAttribute(ATTR_ERROR_TYPE, errorType(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/**
 * Runs `fn` inside a new active span (a child of the active one unless
 * `options.root`), ending it when `fn` settles; a throw is recorded and
 * rethrown. Without a tracer, just `fn()`: nothing is made when tracing is off.
 */
export function inSpan<T>(
  tracer: Tracer | undefined,
  name: string,
  options: SpanOptions & { parent?: ReturnType<typeof context.active> },
  fn: (span: Span | undefined) => Promise<T>,
  failed: (err: unknown) => boolean = () => true,
): Promise<T> {
  if (!tracer) return fn(undefined);
  const { parent, ...spanOptions } = options;
  const parentContext = parent ?? context.active();
  const span = tracer.startSpan(name, spanOptions, parentContext);
  return context.with(trace.setSpan(parentContext, span), async () => {
    try {
      return await fn(span);
    } catch (err) {
      if (failed(err)) recordError(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Attributes without the undefined ones (the API drops them, but says so in a warning). */
export function attributes(values: Record<string, string | number | boolean | undefined>): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) out[key] = value;
  return out;
}
