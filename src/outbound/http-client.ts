/**
 * ctx.http: outbound requests to the hosts `outbound.allow` lists, with a
 * timeout, a bounded answer, redirects followed only while they stay on the
 * list, dry runs that send reads only (writes go into the plan), and one
 * audit record per request without bodies, headers or query strings.
 */
import { DroverError } from '../errors.js';
import type { PlannedChange } from '../k8s/types.js';
import { allowedBy, type AllowedOrigin } from './allow-list.js';
import type { HttpMethod, HttpOps, HttpRequest, HttpRequestRecord, HttpResponse } from './http-types.js';
import { readBounded } from './read-bounded.js';
import { checkHeaders, checkNoUrlCredentials, fetchFailure } from './request-checks.js';

const METHODS: readonly HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const MAX_REDIRECTS = 5;
/** The plan speaks Kubernetes verbs; an HTTP write maps onto the nearest. */
const PLAN_VERB = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as const;
/** What a redirect to another origin keeps of the runbook's headers: none that could be a credential (X-Api-Key, PRIVATE-TOKEN ...). */
const CROSS_ORIGIN_HEADERS = /^(accept|accept-language|content-type|content-language|user-agent)$/i;

export interface HttpClientOptions {
  allow: readonly AllowedOrigin[];
  dryRun: boolean;
  /** Default and ceiling of a request's timeout. */
  timeoutMs: number;
  maxResponseBytes: number;
  /** Told about every request once it ended (the audit log); awaited. */
  onRequest?: (record: HttpRequestRecord) => void | Promise<void>;
  /** A write: goes into the run's plan (held back in a dry run, sent otherwise); awaited. */
  onChange?: (change: PlannedChange) => void | Promise<void>;
  /** Removes the run's secret values from what is recorded (a token in a webhook path). */
  scrub?: (text: string) => string;
  /** Aborts requests in flight when the run is cancelled. */
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

function notAllowed(url: URL, why: string): DroverError {
  const origin = `${url.protocol}//${url.host}`;
  return new DroverError(
    'http_not_allowed',
    `${why} ${origin}, which outbound.allow does not list; add "${url.protocol === 'https:' ? url.host : origin}" to outbound.allow in Drover's configuration if runbooks may call it`,
    { details: { host: url.host, scheme: url.protocol.replace(/:$/, '') } },
  );
}

function response(status: number, sent: boolean, headers: Record<string, string>, text: string): HttpResponse {
  return {
    status,
    ok: status >= 200 && status < 300,
    sent,
    headers,
    text: () => text,
    json: <T>() => {
      try {
        return JSON.parse(text) as T;
      } catch (err) {
        throw new DroverError('internal', `the answer (HTTP ${status}) is not JSON`, { cause: err });
      }
    },
  };
}

class HttpClient implements HttpOps {
  private readonly fetch: typeof fetch;
  private readonly scrub: (text: string) => string;

  constructor(private readonly options: HttpClientOptions) {
    this.fetch = options.fetch ?? fetch;
    this.scrub = options.scrub ?? ((t) => t);
  }

  async request(request: HttpRequest): Promise<HttpResponse> {
    const method = (request.method ?? 'GET').toUpperCase() as HttpMethod;
    if (!METHODS.includes(method)) throw new DroverError('params_invalid', `ctx.http cannot send method ${method}; use one of ${METHODS.join(', ')}`);
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      throw new DroverError('params_invalid', 'ctx.http needs an absolute URL such as https://status.example.com/api');
    }
    checkNoUrlCredentials(url, 'ctx.http');
    if (!allowedBy(this.options.allow, url)) throw notAllowed(url, 'ctx.http may not call');
    if (request.body !== undefined && request.json !== undefined) throw new DroverError('params_invalid', 'give ctx.http a body or json, not both');
    if (request.timeout !== undefined && !(Number.isFinite(request.timeout) && request.timeout >= 1)) {
      throw new DroverError('params_invalid', 'ctx.http timeout must be a number of milliseconds above 0');
    }
    checkHeaders(request.headers ?? {}, 'ctx.http');
    const started = performance.now();
    const record = { method, host: url.host, path: this.scrub(url.pathname), dryRun: this.options.dryRun };
    const write = method !== 'GET' && method !== 'HEAD';
    if (write && this.options.dryRun) {
      await this.options.onRequest?.({ ...record, sent: false, outcome: 'planned', durationMs: 0 });
      await this.options.onChange?.(this.change(method, url, 'not sent: dry run'));
      return response(0, false, {}, '');
    }
    try {
      const answer = await this.send(method, url, request);
      await this.options.onRequest?.({ ...record, sent: true, outcome: 'succeeded', status: answer.status, durationMs: Math.round(performance.now() - started) });
      if (write) await this.options.onChange?.(this.change(method, url, `HTTP ${answer.status}`));
      return answer;
    } catch (err) {
      const e = err instanceof DroverError ? err : new DroverError('internal', `ctx.http ${method} ${url.host} failed`, { cause: err });
      await this.options.onRequest?.({ ...record, sent: true, outcome: 'failed', errorCode: e.code, durationMs: Math.round(performance.now() - started) });
      throw e;
    }
  }

  private change(method: Exclude<HttpMethod, 'GET' | 'HEAD'>, url: URL, what: string): PlannedChange {
    const target = `${url.protocol}//${url.host}${this.scrub(url.pathname)}`;
    return { verb: PLAN_VERB[method], kind: 'HTTP', name: target, dryRun: this.options.dryRun, summary: `${method} ${target} (${what})`, diff: '' };
  }

  private async send(method: HttpMethod, first: URL, request: HttpRequest): Promise<HttpResponse> {
    const timeoutMs = Math.round(Math.min(request.timeout ?? this.options.timeoutMs, this.options.timeoutMs));
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = this.options.signal ? AbortSignal.any([timeout, this.options.signal]) : timeout;
    const headers: Record<string, string> = { ...request.headers };
    let body: string | undefined = request.body;
    if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
    }
    let url = first;
    let currentMethod = method;
    const failed = (err: unknown, at: URL): unknown => {
      if (this.options.signal?.aborted) return this.options.signal.reason;
      const why = timeout.aborted ? `no answer within ${timeoutMs} ms` : fetchFailure(err);
      return new DroverError('http_unreachable', `${at.host} is unreachable (${why})`, { cause: err, retryable: true, details: { host: at.host } });
    };
    for (let hop = 0; ; hop++) {
      let res: Response;
      try {
        res = await this.fetch(url, { method: currentMethod, headers, ...(body === undefined ? {} : { body }), signal, redirect: 'manual' });
      } catch (err) {
        throw failed(err, url);
      }
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel().catch(() => undefined);
        if (hop >= MAX_REDIRECTS) throw new DroverError('http_unreachable', `${first.host} redirected more than ${MAX_REDIRECTS} times`, { details: { host: first.host } });
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          throw new DroverError('http_unreachable', `${url.host} redirected to a Location that is not a URL`, { details: { host: url.host } });
        }
        if (next.username || next.password) throw new DroverError('http_not_allowed', `${url.host} redirected to a URL carrying a user name or password; not followed`, { details: { host: url.host } });
        if (!allowedBy(this.options.allow, next)) throw notAllowed(next, `${url.host} redirected to`);
        if (url.protocol === 'https:' && next.protocol === 'http:') {
          throw new DroverError('http_not_allowed', `${url.host} redirected from https to plain http (${next.host}); not followed, so nothing goes out unencrypted`, { details: { host: next.host, scheme: 'http' } });
        }
        // As browsers and fetch do: 303 (and 301/302 after a POST) continue as a GET without the body.
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && currentMethod === 'POST')) {
          currentMethod = currentMethod === 'HEAD' ? 'HEAD' : 'GET';
          body = undefined;
        }
        // Credentials meant for one origin never follow a redirect to another, whatever the header is called.
        if (next.origin !== url.origin) for (const h of Object.keys(headers)) if (!CROSS_ORIGIN_HEADERS.test(h)) delete headers[h];
        url = next;
        continue;
      }
      let read: Awaited<ReturnType<typeof readBounded>>;
      try {
        read = await readBounded(res, this.options.maxResponseBytes);
      } catch (err) {
        // A body that trickles past the timeout, or a connection cut mid-answer.
        throw failed(err, url);
      }
      const { text, tooLarge, bytes } = read;
      if (tooLarge) {
        throw new DroverError('http_too_large', `the answer from ${url.host} is larger than ${this.options.maxResponseBytes} bytes (outbound.maxResponseBytes)`, { details: { host: url.host, bytes } });
      }
      const answerHeaders: Record<string, string> = {};
      res.headers.forEach((value, name) => (answerHeaders[name.toLowerCase()] = value));
      return response(res.status, true, answerHeaders, text);
    }
  }
}

/** Builds ctx.http for one run. */
export function createHttpOps(options: HttpClientOptions): HttpOps {
  return new HttpClient(options);
}
