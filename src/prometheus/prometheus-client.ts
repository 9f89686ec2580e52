/**
 * ctx.prometheus on Prometheus's HTTP API (/api/v1/query, /api/v1/query_range):
 * credentials from the settings (a token file is read at each query), a
 * timeout, a bounded answer, typed results, coded errors written for people,
 * and one audit record per query.
 */
import { readFile as fsReadFile } from 'node:fs/promises';
import { DroverError } from '../errors.js';
import { readBounded } from '../outbound/read-bounded.js';
import { fetchFailure } from '../outbound/request-checks.js';
import type { PrometheusConnection } from './settings.js';
import type { PromQueryOptions, PromQueryRecord, PromQueryResult, PromRangeOptions, PromSample, PromSeries, PrometheusOps } from './types.js';

export interface CreatePrometheusOptions {
  cluster: string;
  /** Undefined: not configured; every query fails as prometheus_not_configured. */
  connection: PrometheusConnection | undefined;
  /** Told about every query once it ended (the audit log). Awaited: a failure to record fails the query. */
  onQuery?: (record: PromQueryRecord) => void | Promise<void>;
  /** Aborts queries in flight when the run is cancelled. */
  signal?: AbortSignal;
  fetch?: typeof fetch;
  readFile?: (path: string) => Promise<string>;
  /** Removes the run's secret values from the PromQL the audit records. */
  scrub?: (text: string) => string;
}

/** Longest stretch of a server's own words (its `error`) put in a message. */
const MAX_SERVER_WORDS = 300;

/** A server's words for a message: bounded, and without the credentials it may echo back. */
function serverWords(text: string, secrets: readonly string[]): string {
  let words = text;
  for (const secret of secrets) if (secret) words = words.split(secret).join('[redacted]');
  return words.length > MAX_SERVER_WORDS ? `${words.slice(0, MAX_SERVER_WORDS)}… (${words.length} characters)` : words;
}

/** What of an Authorization header a server might echo back: the whole, the token, a Basic password. */
function credentialLiterals(authorization: string | undefined): string[] {
  if (!authorization) return [];
  const [scheme, value = ''] = authorization.split(' ', 2);
  const literals = [authorization, value];
  if (scheme === 'Basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    literals.push(decoded, decoded.slice(decoded.indexOf(':') + 1));
  }
  return literals.filter((l) => l.length >= 4).sort((x, y) => y.length - x.length);
}

/** A shape that is not a query result (a proxy, another API, a broken server): said in words, not as a TypeError. */
function notAResult(server: string, err: unknown): DroverError {
  return new DroverError('prometheus_unreachable', `${server} answered something that is not a Prometheus query result; check that the URL is Prometheus's HTTP API`, { cause: err, details: { server } });
}

/** `https://prom.example:9090/prefix`: what the audit and messages name, never credentials or a query string. */
export function serverLabel(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
}

function seconds(t: Date | number): number {
  return t instanceof Date ? t.getTime() / 1000 : t;
}

/** Prometheus sends sample values as strings, with NaN and ±Inf spelled out. */
function sampleValue(raw: unknown): number {
  if (raw === '+Inf' || raw === 'Inf') return Number.POSITIVE_INFINITY;
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(raw);
}

type Pair = [number, string];

function toResult(data: { resultType?: string; result?: unknown }): PromQueryResult {
  switch (data.resultType) {
    case 'vector':
      return {
        resultType: 'vector',
        samples: ((data.result ?? []) as Array<{ metric: Record<string, string>; value: Pair }>).map(
          (s): PromSample => ({ labels: s.metric, timestamp: s.value[0], value: sampleValue(s.value[1]) }),
        ),
      };
    case 'matrix':
      return { resultType: 'matrix', series: toSeries(data.result) };
    case 'scalar': {
      const [timestamp, value] = data.result as Pair;
      return { resultType: 'scalar', timestamp, value: sampleValue(value) };
    }
    case 'string': {
      const [timestamp, value] = data.result as Pair;
      return { resultType: 'string', timestamp, value };
    }
    default:
      throw new DroverError('prometheus_bad_query', `Prometheus answered an unknown result type "${String(data.resultType)}"`);
  }
}

function toSeries(result: unknown): PromSeries[] {
  return ((result ?? []) as Array<{ metric: Record<string, string>; values: Pair[] }>).map((s) => ({
    labels: s.metric,
    points: s.values.map(([timestamp, value]) => ({ timestamp, value: sampleValue(value) })),
  }));
}

function seriesCount(result: PromQueryResult): number {
  if (result.resultType === 'vector') return result.samples.length;
  if (result.resultType === 'matrix') return result.series.length;
  return 1;
}

class PrometheusClient implements PrometheusOps {
  readonly configured: boolean;
  private readonly fetch: typeof fetch;
  private readonly readFile: (path: string) => Promise<string>;

  constructor(private readonly options: CreatePrometheusOptions) {
    this.configured = options.connection !== undefined;
    this.fetch = options.fetch ?? fetch;
    this.readFile = options.readFile ?? ((path) => fsReadFile(path, 'utf8'));
  }

  async query(promql: string, options: PromQueryOptions = {}): Promise<PromQueryResult> {
    const params: Record<string, string> = { query: promql };
    const record: Partial<PromQueryRecord> = { kind: 'instant' };
    if (options.time !== undefined) {
      params.time = String(seconds(options.time));
      record.time = new Date(seconds(options.time) * 1000).toISOString();
    }
    return this.send('query', promql, params, record, (data) => toResult(data));
  }

  async value(promql: string, options: PromQueryOptions = {}): Promise<number | undefined> {
    const result = await this.query(promql, options);
    if (result.resultType === 'scalar') return result.value;
    if (result.resultType !== 'vector') {
      throw new DroverError('prometheus_bad_query', `\`${promql}\` answers a ${result.resultType}, not a number; use ctx.prometheus.query() for it`);
    }
    if (result.samples.length > 1) {
      throw new DroverError(
        'prometheus_bad_query',
        `\`${promql}\` answers ${result.samples.length} series, not one number; aggregate it (sum(), max() ...) or use ctx.prometheus.query()`,
        { details: { series: result.samples.length } },
      );
    }
    return result.samples[0]?.value;
  }

  async queryRange(promql: string, options: PromRangeOptions): Promise<{ resultType: 'matrix'; series: PromSeries[] }> {
    if (!(options.step > 0)) throw new DroverError('params_invalid', 'queryRange needs a step (seconds) above 0');
    const [start, end] = [seconds(options.start), seconds(options.end)];
    const params = { query: promql, start: String(start), end: String(end), step: String(options.step) };
    const record: Partial<PromQueryRecord> = {
      kind: 'range',
      range: { start: new Date(start * 1000).toISOString(), end: new Date(end * 1000).toISOString(), step: options.step },
    };
    return this.send('query_range', promql, params, record, (data) => ({ resultType: 'matrix' as const, series: toSeries(data.result) }));
  }

  private async headers(connection: PrometheusConnection): Promise<Record<string, string>> {
    const auth = connection.auth;
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (!auth) return headers;
    try {
      if ('bearerToken' in auth) headers.Authorization = `Bearer ${auth.bearerToken}`;
      else if ('bearerTokenFile' in auth) headers.Authorization = `Bearer ${(await this.readFile(auth.bearerTokenFile)).trim()}`;
      else {
        const password = auth.password ?? (await this.readFile(auth.passwordFile ?? '')).trim();
        headers.Authorization = `Basic ${Buffer.from(`${auth.username}:${password}`).toString('base64')}`;
      }
    } catch (err) {
      throw new DroverError('prometheus_unreachable', `cannot read the Prometheus credentials file named in ${connection.source}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`, { cause: err });
    }
    // fetch refuses such a header by quoting it, token and all.
    if (/[\r\n\0]/.test(headers.Authorization ?? '')) {
      throw new DroverError('prometheus_unreachable', `the Prometheus credentials in ${connection.source} hold a line break or NUL (a token file of two lines?); the value is not shown`);
    }
    return headers;
  }

  private async send<R extends PromQueryResult | { resultType: 'matrix'; series: PromSeries[] }>(
    endpoint: 'query' | 'query_range',
    promql: string,
    params: Record<string, string>,
    partial: Partial<PromQueryRecord>,
    convert: (data: { resultType?: string; result?: unknown }) => R,
  ): Promise<R> {
    const { connection, cluster } = this.options;
    if (!connection) {
      throw new DroverError(
        'prometheus_not_configured',
        `No Prometheus is configured for cluster "${cluster}": set prometheus.url (or prometheus.clusters.${cluster}.url) in Drover's configuration, or PROMETHEUS_URL.`,
        { details: { cluster } },
      );
    }
    const started = performance.now();
    const server = serverLabel(connection.url);
    const base = { cluster, server, query: this.options.scrub ? this.options.scrub(promql) : promql, kind: partial.kind ?? 'instant', ...partial } as const;
    try {
      const data = await this.request(connection, endpoint, { ...params, timeout: `${Math.max(1, Math.floor(connection.timeoutMs / 1000))}s` }, promql);
      let result: R;
      try {
        result = convert(data);
      } catch (err) {
        throw err instanceof DroverError ? err : notAResult(server, err);
      }
      await this.options.onQuery?.({ ...base, outcome: 'succeeded', resultType: result.resultType, series: seriesCount(result), durationMs: Math.round(performance.now() - started) });
      return result;
    } catch (err) {
      const e = err instanceof DroverError ? err : new DroverError('prometheus_unreachable', `Prometheus at ${server} failed (${fetchFailure(err)})`, { cause: err, retryable: true });
      await this.options.onQuery?.({ ...base, outcome: 'failed', errorCode: e.code, durationMs: Math.round(performance.now() - started) });
      throw e;
    }
  }

  private async request(connection: PrometheusConnection, endpoint: string, params: Record<string, string>, promql: string): Promise<{ resultType?: string; result?: unknown }> {
    const server = serverLabel(connection.url);
    const url = `${connection.url.replace(/\/+$/, '')}/api/v1/${endpoint}`;
    const parsed = new URL(connection.url);
    if (parsed.username || parsed.password) {
      // fetch would refuse it by quoting the whole URL, password and all.
      throw new DroverError('prometheus_unreachable', `the URL in ${connection.source}.url carries a user name or password; set ${connection.source}.username and password instead (the URL is not shown)`, { details: { server } });
    }
    const headers = await this.headers(connection);
    const secrets = credentialLiterals(headers.Authorization);
    const timeout = AbortSignal.timeout(connection.timeoutMs);
    const signal = this.options.signal ? AbortSignal.any([timeout, this.options.signal]) : timeout;
    const unreachable = (err: unknown): unknown => {
      if (err instanceof DroverError) return err;
      if (this.options.signal?.aborted) return this.options.signal.reason;
      const why = timeout.aborted ? `no answer within ${connection.timeoutMs} ms` : fetchFailure(err);
      return new DroverError('prometheus_unreachable', `Prometheus at ${server} is unreachable (${why}); check ${connection.source}.url`, { cause: err, retryable: true, details: { server } });
    };
    let response: Response;
    try {
      // POST with a form: a long PromQL never meets a URL length limit, and stays out of proxies' access logs.
      response = await this.fetch(url, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params).toString(),
        signal,
        redirect: 'error',
      });
    } catch (err) {
      throw unreachable(err);
    }
    let read: Awaited<ReturnType<typeof readBounded>>;
    try {
      read = await readBounded(response, connection.maxResponseBytes);
    } catch (err) {
      // An answer that trickles past the timeout, or a connection cut mid-answer.
      throw unreachable(err);
    }
    const { text, tooLarge } = read;
    if (tooLarge) {
      throw new DroverError('prometheus_bad_query', `Prometheus's answer to \`${promql}\` is larger than ${connection.maxResponseBytes} bytes; aggregate the query (sum by, topk) so it returns fewer series`, { details: { server } });
    }
    let body: { status?: string; data?: { resultType?: string; result?: unknown }; errorType?: string; error?: unknown } = {};
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === 'object') body = parsed;
    } catch {
      // A proxy's HTML error page: described by its status below.
    }
    const said = body.error === undefined ? undefined : serverWords(typeof body.error === 'string' ? body.error : JSON.stringify(body.error), secrets);
    if (response.status === 401 || response.status === 403) {
      throw new DroverError('prometheus_unreachable', `Prometheus at ${server} refused Drover's credentials (HTTP ${response.status}); check the token or password in ${connection.source}`, { details: { server, status: response.status } });
    }
    if (response.status === 400 || response.status === 422 || body.errorType === 'bad_data') {
      throw new DroverError('prometheus_bad_query', `Prometheus cannot run \`${promql}\`: ${said ?? `HTTP ${response.status}`}`, { details: { server, status: response.status, errorType: body.errorType } });
    }
    if (!response.ok || body.status !== 'success' || !body.data || typeof body.data !== 'object') {
      const why = said ?? `HTTP ${response.status}`;
      const timedOut = body.errorType === 'timeout' || response.status === 503;
      throw new DroverError('prometheus_unreachable', `Prometheus at ${server} did not answer the query: ${why}`, { retryable: timedOut || response.status >= 500, details: { server, status: response.status } });
    }
    return body.data;
  }
}

/** Builds ctx.prometheus for one run. */
export function createPrometheusOps(options: CreatePrometheusOptions): PrometheusOps {
  return new PrometheusClient(options);
}
