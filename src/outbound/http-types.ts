/**
 * The types of ctx.http: outbound HTTP calls from a runbook to the hosts
 * listed in `outbound.allow` (a status page, a ticketing system).
 */

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  /** Default GET. */
  method?: HttpMethod;
  /** An absolute http(s) URL whose host (and scheme and port) `outbound.allow` lists. */
  url: string;
  headers?: Record<string, string>;
  /** A text body; or `json`. */
  body?: string;
  /** Sent as JSON, with `Content-Type: application/json`. */
  json?: unknown;
  /** Milliseconds; default `outbound.timeout` (10 s), and never more than it. */
  timeout?: number;
}

export interface HttpResponse {
  /** HTTP status; 0 when the request was not sent (a write in a dry run). */
  status: number;
  /** True for 2xx. */
  ok: boolean;
  /** False for a write in a dry run: recorded in the plan, not sent. */
  sent: boolean;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The body as text (bounded by `outbound.maxResponseBytes`). */
  text(): string;
  /** The body parsed as JSON; throws when it is not JSON. */
  json<T = unknown>(): T;
}

/**
 * Outbound HTTP for runbooks, to the hosts in `outbound.allow` only (https unless
 * an entry names http). A host not listed, or a redirect to one, is
 * http_not_allowed; no answer in time is http_unreachable (retryable); an
 * answer over `outbound.maxResponseBytes` is http_too_large. In a dry run only
 * GET and HEAD are sent; other methods go into the plan and answer
 * `{ status: 0, sent: false }`. Every request is audited (`http.request`:
 * method, host, path, status; never bodies, headers or the query string).
 *
 * @example
 * ```ts
 * const res = await ctx.step('open incident', () =>
 *   ctx.http.request({ method: 'POST', url: 'https://status.example.com/api/incidents', json: { title: `web restarted in ${ns}` } })
 *     .then((r) => ({ status: r.status, id: r.sent ? r.json<{ id: string }>().id : undefined })),
 * );
 * ```
 */
export interface HttpOps {
  /**
   * Sends one request (following redirects that stay on the list).
   *
   * @example
   * ```ts
   * const page = await ctx.http.request({ url: 'https://status.example.com/api/v2/status.json' });
   * if (page.json<{ status: { indicator: string } }>().status.indicator !== 'none') await ctx.report('the provider reports an incident');
   * ```
   */
  request(request: HttpRequest): Promise<HttpResponse>;
}

/** What is audited of one request. */
export interface HttpRequestRecord {
  method: HttpMethod;
  /** host[:port], as in the URL. */
  host: string;
  /** The path, without the query string (tokens travel there). */
  path: string;
  dryRun: boolean;
  /** False for a write held back by a dry run. */
  sent: boolean;
  outcome: 'succeeded' | 'failed' | 'planned';
  status?: number;
  durationMs: number;
  errorCode?: string;
}
