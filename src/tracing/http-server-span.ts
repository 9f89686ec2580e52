/**
 * An HTTP server span around one route (the Alertmanager webhook, Slack's
 * events), continuing the caller's trace when its request carries a
 * traceparent. Health checks and /metrics are left untraced: scraped every
 * few seconds, they would bury the traces worth reading.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace, type Tracer } from '@opentelemetry/api';
import type { RouteHandler } from '../http/router.js';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
  ATTR_ERROR_TYPE,
} from './attributes.js';
import { attributes, recordError } from './spans.js';
import { contextFrom } from './trace-context.js';

const MAX_USER_AGENT = 256;

const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** `handler` inside a `<METHOD> <route>` server span; `handler` itself without a tracer. */
export function tracedRoute(tracer: Tracer | undefined, method: string, route: string, handler: RouteHandler): RouteHandler {
  if (!tracer) return handler;
  return (req, res) => {
    const parent = contextFrom(ROOT_CONTEXT, { traceparent: header(req.headers.traceparent) ?? '', tracestate: header(req.headers.tracestate) ?? '' });
    const span = tracer.startSpan(
      `${method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: attributes({
          [ATTR_HTTP_REQUEST_METHOD]: req.method ?? method,
          [ATTR_HTTP_ROUTE]: route,
          // The route, not the raw target: a query string could carry a credential.
          [ATTR_URL_PATH]: route,
          [ATTR_URL_SCHEME]: 'http',
          [ATTR_SERVER_PORT]: req.socket.localPort,
          // Whoever calls sets it, up to Node's 16 KB of headers: kept to what tells one client from another.
          [ATTR_USER_AGENT_ORIGINAL]: header(req.headers['user-agent'])?.slice(0, MAX_USER_AGENT),
        }),
      },
      parent,
    );
    let failure: unknown;
    // Ended when the answer is sent (or the connection drops), not when the handler returns.
    res.once('close', () => {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      if (failure !== undefined) recordError(span, failure);
      else if (res.statusCode >= 500) {
        span.setAttribute(ATTR_ERROR_TYPE, String(res.statusCode));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    });
    return context.with(trace.setSpan(parent, span), () => {
      try {
        const done = handler(req, res);
        return done?.catch((err: unknown) => {
          failure = err;
          throw err;
        });
      } catch (err) {
        failure = err;
        throw err;
      }
    });
  };
}
