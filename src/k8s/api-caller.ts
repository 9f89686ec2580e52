/**
 * Runs one Kubernetes API call: gives it an AbortSignal (the per-call
 * timeout; a cancelled run stops between steps, never inside a request), an
 * optional Content-Type, reports it to hooks.onApiCall, and maps failures to
 * DroverErrors.
 */
import {
  ApiException,
  Observable,
  type ConfigurationOptions,
  type HttpInfo,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { DroverError } from '../errors.js';
import { toDroverError, type CallTarget } from './api-errors.js';
import { checkPathSegments } from './path-segment.js';
import type { ApiCallObserver, K8sHooks } from './types.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface ApiCallerOptions {
  cluster: string;
  hooks?: K8sHooks;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /**
   * A dry run: every request that could change something must say dryRun=All
   * where the API server reads it, or it is not sent (see dryRunViolation).
   */
  dryRun?: boolean;
}

export type Send<T> = (options: ConfigurationOptions<ObservableMiddleware>) => Promise<HttpInfo<T>>;

/**
 * Why a request would not be a dry run as kube-apiserver reads it, or
 * undefined when it would. POST, PUT and PATCH take `dryRun` from the query;
 * a DELETE with a body takes all its options from the body and ignores the
 * query (the bug that once let a dry run delete a pod), so there it must be
 * inside DeleteOptions.
 */
export function dryRunViolation(method: string, url: string, body: unknown): string | undefined {
  const m = method.toUpperCase();
  if (m === 'GET' || m === 'HEAD' || m === 'OPTIONS') return undefined;
  const query = new URL(url, 'http://x').searchParams.getAll('dryRun');
  if (m === 'DELETE') {
    let options: unknown = undefined;
    if (typeof body === 'string' && body !== '') {
      try {
        options = JSON.parse(body) as unknown;
      } catch {
        return 'DELETE body is not JSON DeleteOptions';
      }
    }
    if (options === undefined) return query.includes('All') ? undefined : 'DELETE without dryRun';
    const inBody = (options as { dryRun?: unknown }).dryRun;
    return Array.isArray(inBody) && inBody.includes('All') ? undefined : 'DELETE whose DeleteOptions body lacks dryRun: ["All"]';
  }
  return query.includes('All') ? undefined : `${m} without ?dryRun=All`;
}

/** Middleware that attaches a signal and, when given, a Content-Type (patch strategy) to the request. */
function requestMiddleware(signal: AbortSignal, contentType: string | undefined, dryRun: boolean, seen: (c: RequestContext) => void, observer?: ApiCallObserver): ObservableMiddleware {
  return {
    pre(context: RequestContext): Observable<RequestContext> {
      seen(context);
      context.setSignal(signal);
      if (observer?.request) {
        try {
          const headers = observer.request({ method: context.getHttpMethod(), url: context.getUrl() });
          for (const [name, value] of Object.entries(headers ?? {})) context.setHeaderParam(name, value);
        } catch {
          // Tracing must never break a run.
        }
      }
      if (contentType) context.setHeaderParam('Content-Type', contentType);
      if (dryRun) {
        const violation = dryRunViolation(context.getHttpMethod(), context.getUrl(), context.getBody());
        if (violation) {
          // Fail closed: a dry run never sends a request the server would carry out.
          const err = new DroverError('internal', `refused to send a request in a dry run that the API server would carry out (${violation})`, {
            details: { method: context.getHttpMethod(), url: context.getUrl() },
          });
          return new Observable(Promise.reject(err));
        }
      }
      return new Observable(Promise.resolve(context));
    },
    post(context: ResponseContext): Observable<ResponseContext> {
      return new Observable(Promise.resolve(context));
    },
  };
}

export class ApiCaller {
  readonly cluster: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: ApiCallerOptions) {
    this.cluster = options.cluster;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /** Sends the request and returns the body and HTTP status; throws a DroverError. */
  async call<T>(target: Omit<CallTarget, 'cluster'>, send: Send<T>, contentType?: string): Promise<{ data: T; status: number }> {
    // Before anything is sent: `..` as a name reaches another object once the URL is normalised.
    checkPathSegments(target);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    // Kept to name the path in errors; read at failure time, after any later middleware rewrote it.
    let request: RequestContext | undefined;
    const observer = this.observe(target);
    const config: ConfigurationOptions<ObservableMiddleware> = {
      middleware: [requestMiddleware(timeout, contentType, this.options.dryRun === true, (c) => (request = c), observer)],
      middlewareMergeStrategy: 'append',
    };
    try {
      const info = await send(config);
      this.report(target, info.httpStatusCode, observer);
      return { data: info.data, status: info.httpStatusCode };
    } catch (err) {
      const failure = toDroverError(err, {
        ...target,
        cluster: this.cluster,
        timeoutMs: this.timeoutMs,
        timedOut: timeout.aborted,
        ...(request ? { path: new URL(request.getUrl()).pathname } : {}),
      });
      this.report(target, err instanceof ApiException ? err.code : 0, observer, failure);
      throw failure;
    }
  }

  private observe(target: Omit<CallTarget, 'cluster'>): ApiCallObserver | undefined {
    try {
      return this.options.hooks?.onApiCallStart?.({ cluster: this.cluster, verb: target.verb, resource: target.resource });
    } catch {
      return undefined;
    }
  }

  private report(target: Omit<CallTarget, 'cluster'>, code: number, observer?: ApiCallObserver, error?: unknown): void {
    try {
      this.options.hooks?.onApiCall?.({ cluster: this.cluster, verb: target.verb, resource: target.resource, code });
    } catch {
      // Metrics must never break a run.
    }
    try {
      observer?.end({ code, ...(error !== undefined ? { error } : {}) });
    } catch {
      // Nor traces.
    }
  }
}
