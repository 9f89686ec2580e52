/**
 * W3C Trace Context (traceparent, tracestate) in and out of a plain object:
 * what a job's data carries to the worker, so the trace survives Redis, a
 * worker restart and a retry. Written here rather than through the global
 * propagator, which is process-wide state.
 */
import { TraceFlags, createTraceState, isSpanContextValid, trace, type Context } from '@opentelemetry/api';

/** Trace context as carried in job data (the W3C header values). */
export interface TraceCarrier {
  traceparent: string;
  tracestate?: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The carrier of the span active in `ctx`, or undefined when there is none. */
export function carrierOf(ctx: Context): TraceCarrier | undefined {
  const span = trace.getSpanContext(ctx);
  if (!span || !isSpanContextValid(span)) return undefined;
  const flags = (span.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0');
  const state = span.traceState?.serialize();
  return { traceparent: `00-${span.traceId}-${span.spanId}-${flags}`, ...(state ? { tracestate: state } : {}) };
}

/** `base` with the remote span of `carrier` as its parent; `base` itself when the carrier is absent or malformed. */
export function contextFrom(base: Context, carrier: Partial<TraceCarrier> | undefined): Context {
  const match = typeof carrier?.traceparent === 'string' ? TRACEPARENT.exec(carrier.traceparent.trim().toLowerCase()) : null;
  if (!match) return base;
  const [, traceId = '', spanId = '', flags = '00'] = match;
  const spanContext = {
    traceId,
    spanId,
    traceFlags: parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
    ...(typeof carrier?.tracestate === 'string' && carrier.tracestate ? { traceState: createTraceState(carrier.tracestate) } : {}),
  };
  return isSpanContextValid(spanContext) ? trace.setSpanContext(base, spanContext) : base;
}
