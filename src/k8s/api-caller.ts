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
import { toDroverError, type CallTarget } from './api-errors.js';
import type { K8sHooks } from './types.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface ApiCallerOptions {
  cluster: string;
  hooks?: K8sHooks;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
}

export type Send<T> = (options: ConfigurationOptions<ObservableMiddleware>) => Promise<HttpInfo<T>>;

/** Middleware that attaches a signal and, when given, a Content-Type (patch strategy) to the request. */
function requestMiddleware(signal: AbortSignal, contentType: string | undefined): ObservableMiddleware {
  return {
    pre(context: RequestContext): Observable<RequestContext> {
      context.setSignal(signal);
      if (contentType) context.setHeaderParam('Content-Type', contentType);
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
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const config: ConfigurationOptions<ObservableMiddleware> = {
      middleware: [requestMiddleware(timeout, contentType)],
      middlewareMergeStrategy: 'append',
    };
    try {
      const info = await send(config);
      this.report(target, info.httpStatusCode);
      return { data: info.data, status: info.httpStatusCode };
    } catch (err) {
      this.report(target, err instanceof ApiException ? err.code : 0);
      throw toDroverError(err, {
        ...target,
        cluster: this.cluster,
        timeoutMs: this.timeoutMs,
        timedOut: timeout.aborted,
      });
    }
  }

  private report(target: Omit<CallTarget, 'cluster'>, code: number): void {
    try {
      this.options.hooks?.onApiCall?.({ cluster: this.cluster, verb: target.verb, resource: target.resource, code });
    } catch {
      // Metrics must never break a run.
    }
  }
}
