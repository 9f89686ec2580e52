/**
 * One HTTP client span per Kubernetes API call, fed by the API caller's
 * onApiCallStart hook: method, status code, cluster, and the URL without its
 * query (selectors and options stay out), named by a path template so that
 * spans group by kind of call rather than by object.
 */
import { SpanKind, SpanStatusCode, context, trace, type Tracer } from '@opentelemetry/api';
import type { ApiCallObserver, K8sHooks } from '../k8s/types.js';
import {
  ATTR_DROVER_K8S_RESOURCE,
  ATTR_DROVER_K8S_VERB,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_K8S_CLUSTER_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_TEMPLATE,
} from './attributes.js';
import { recordError } from './spans.js';
import { carrierOf } from './trace-context.js';

const METHOD_OF_VERB: Record<string, string> = { get: 'GET', list: 'GET', watch: 'GET', create: 'POST', update: 'PUT', patch: 'PATCH', delete: 'DELETE', deletecollection: 'DELETE' };

/**
 * `/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale` from a
 * request path: the API group and version, resource and subresource stay;
 * namespace and object names become placeholders.
 */
export function kubePathTemplate(path: string): string {
  const all = path.split('/').filter(Boolean);
  // An API server behind a path (Rancher's /k8s/clusters/<id>/, a proxy's): the template starts at api/ or apis/.
  const at = all.findIndex((part) => part === 'api' || part === 'apis');
  if (at < 0) return all.length ? '/{path}' : '/';
  const parts = all.slice(at);
  const prefix = parts[0] === 'api' ? 2 : 3;
  if (parts.length <= prefix) return `/${parts.join('/')}`;
  const rest = parts.slice(prefix);
  if (rest[0] === 'namespaces' && rest.length >= 2) {
    rest[1] = '{namespace}';
    if (rest.length >= 4) rest[3] = '{name}';
  } else if (rest.length >= 2) {
    rest[1] = '{name}';
  }
  return `/${[...parts.slice(0, prefix), ...rest].join('/')}`;
}

/** The onApiCallStart hook of a traced run's Kubernetes client; `scrub` takes the run's secret values out of error messages. */
export function k8sCallSpans(tracer: Tracer, scrub: (text: string) => string = (text) => text): NonNullable<K8sHooks['onApiCallStart']> {
  return ({ cluster, verb, resource }): ApiCallObserver => {
    const method = METHOD_OF_VERB[verb] ?? 'GET';
    const span = tracer.startSpan(method, {
      kind: SpanKind.CLIENT,
      attributes: { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_K8S_CLUSTER_NAME]: cluster, [ATTR_DROVER_K8S_VERB]: verb, [ATTR_DROVER_K8S_RESOURCE]: resource },
    });
    return {
      request({ method: sent, url }) {
        const parsed = new URL(url);
        const template = kubePathTemplate(parsed.pathname);
        span.updateName(`${sent} ${template}`);
        span.setAttributes({
          [ATTR_HTTP_REQUEST_METHOD]: sent,
          // Origin and path only: no query, no credentials.
          [ATTR_URL_FULL]: `${parsed.origin}${parsed.pathname}`,
          [ATTR_URL_TEMPLATE]: template,
          [ATTR_SERVER_ADDRESS]: parsed.hostname,
          [ATTR_SERVER_PORT]: Number(parsed.port) || (parsed.protocol === 'https:' ? 443 : 80),
        });
        // The API server joins the trace when its own tracing is on.
        const carrier = carrierOf(trace.setSpan(context.active(), span));
        return carrier ? { traceparent: carrier.traceparent } : undefined;
      },
      end({ code, error }) {
        if (code > 0) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, code);
        // The API server's message can quote what the run sent: scrubbed of the run's secrets.
        if (error !== undefined) recordError(span, error, scrub(error instanceof Error ? error.message : 'the call failed'));
        // A client span fails on 4xx too (an answer the caller did not want); error.type is then the status.
        if (code >= 400) {
          span.setAttribute(ATTR_ERROR_TYPE, String(code));
          if (error === undefined) span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
      },
    };
  };
}
