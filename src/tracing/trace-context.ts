/**
 * W3C Trace Context (traceparent, tracestate) in and out of a plain object:
 * what a job's data carries to the worker, so the trace survives Redis, a
 * worker restart and a retry. OpenTelemetry's own W3C propagator does the
 * encoding; it is used as an instance, not registered as the global
 * propagator, which is process-wide state.
 */
import { defaultTextMapGetter, defaultTextMapSetter, type Context } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** Trace context as carried in job data (the W3C header values). */
export interface TraceCarrier {
  traceparent: string;
  tracestate?: string;
}

const propagator = new W3CTraceContextPropagator();

/** The carrier of the span active in `ctx`, or undefined when there is none. */
export function carrierOf(ctx: Context): TraceCarrier | undefined {
  const out: Record<string, string> = {};
  propagator.inject(ctx, out, defaultTextMapSetter);
  if (!out.traceparent) return undefined;
  return { traceparent: out.traceparent, ...(out.tracestate ? { tracestate: out.tracestate } : {}) };
}

/** `base` with the remote span of `carrier` as its parent; `base` itself when the carrier is absent or malformed. */
export function contextFrom(base: Context, carrier: Partial<TraceCarrier> | undefined): Context {
  if (typeof carrier?.traceparent !== 'string' || !carrier.traceparent) return base;
  const headers: Record<string, string> = { traceparent: carrier.traceparent };
  if (typeof carrier.tracestate === 'string' && carrier.tracestate) headers.tracestate = carrier.tracestate;
  return propagator.extract(base, headers, defaultTextMapGetter);
}
