/**
 * Drover's client for Alertmanager's v2 API: silences and alert state. Every
 * failure is a DroverError (see am-errors.ts); the client does not retry, the
 * caller decides from `retryable`.
 */
import { z } from 'zod';
import { DroverError } from '../errors.js';
import { httpError, shapeError, transportError, type AmCall } from './am-errors.js';
import {
  gettableAlertSchema,
  gettableSilenceSchema,
  postSilenceResponseSchema,
  type GettableAlert,
  type GettableSilence,
  type Matcher,
} from './am-types.js';

export type { GettableAlert, GettableSilence, Matcher } from './am-types.js';

export const DEFAULT_AM_TIMEOUT_MS = 10_000;

export interface AlertmanagerClientOptions {
  /** e.g. `http://alertmanager.monitoring:9093`; a path prefix (`--web.route-prefix`) is kept. */
  baseUrl: string;
  bearerToken?: string;
  basicAuth?: { username: string; password: string };
  /** For tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
}

export interface NewSilence {
  /** At least one; Alertmanager rejects a silence without matchers. */
  matchers: Array<Pick<Matcher, 'name' | 'value' | 'isRegex'> & { isEqual?: boolean }>;
  startsAt: Date | string;
  endsAt: Date | string;
  createdBy: string;
  comment: string;
}

export interface AlertQuery {
  /** Matchers in Alertmanager's filter syntax, e.g. `alertname="PodCrashLooping"`; see `equalityFilter`. */
  filter?: string[];
  /** Alertmanager's defaults are all `true`. */
  active?: boolean;
  silenced?: boolean;
  inhibited?: boolean;
}

/** Its functions do not use `this`: pass them around freely (`isFiring: client.isFiring`). */
export interface AlertmanagerClient {
  /** The base URL as configured. */
  readonly baseUrl: string;
  /** Creates a silence and returns its id. */
  createSilence: (silence: NewSilence) => Promise<string>;
  /** Expires a silence; one that is already expired or gone counts as done. */
  expireSilence: (id: string) => Promise<void>;
  getAlerts: (query?: AlertQuery) => Promise<GettableAlert[]>;
  getSilences: (filter?: string[]) => Promise<GettableSilence[]>;
  /**
   * Whether the alert is still firing (listed, silenced or not: resolved alerts
   * are never listed); undefined when Alertmanager cannot be asked. Passing the
   * alert's labels lets Alertmanager filter instead of sending every alert.
   */
  isFiring: (fingerprint: string, labels?: Record<string, string>) => Promise<boolean | undefined>;
}

/** `name="value"` filters matching exactly these labels, quoted the way Alertmanager parses them. */
export function equalityFilter(labels: Record<string, string>): string[] {
  // Alertmanager's matcher parser knows only the escapes \\, \" and \n.
  const quote = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
  return Object.entries(labels).map(([name, value]) => `${name}=${quote(value)}`);
}

function checkBaseUrl(baseUrl: string, options: AlertmanagerClientOptions): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (err) {
    throw new DroverError('config_invalid', `The Alertmanager URL "${baseUrl}" is not a valid URL.`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DroverError('config_invalid', `The Alertmanager URL must be http or https, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new DroverError('config_invalid', 'The Alertmanager URL must not hold credentials; pass them as basic auth instead.');
  }
  if (options.bearerToken !== undefined && options.basicAuth !== undefined) {
    throw new DroverError('config_invalid', 'Give Alertmanager either a bearer token or basic auth, not both.');
  }
  return url;
}

function authorization(options: AlertmanagerClientOptions): string | undefined {
  if (options.bearerToken !== undefined) return `Bearer ${options.bearerToken}`;
  if (options.basicAuth === undefined) return undefined;
  const { username, password } = options.basicAuth;
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`)
    .join('; ');
}

const iso = (t: Date | string): string => (t instanceof Date ? t.toISOString() : t);

export function createAlertmanagerClient(options: AlertmanagerClientOptions): AlertmanagerClient {
  const base = checkBaseUrl(options.baseUrl, options);
  // Without query or fragment: paths are appended to it.
  const shownUrl = `${base.origin}${base.pathname}`.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_AM_TIMEOUT_MS;
  const auth = authorization(options);

  /** Sends one request; returns the status and body of a 2xx, throws a DroverError otherwise. */
  async function send(call: AmCall, query: URLSearchParams | undefined, body: unknown, okStatuses: number[] = []) {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (auth) headers.authorization = auth;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const qs = query?.toString();
    const timeout = AbortSignal.timeout(timeoutMs);
    let status: number;
    let text: string;
    try {
      const res = await doFetch(`${shownUrl}${call.path}${qs ? `?${qs}` : ''}`, {
        method: call.method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: timeout,
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      throw transportError(call, err, timeout.aborted, timeoutMs);
    }
    if ((status < 200 || status > 299) && !okStatuses.includes(status)) throw httpError(call, status, text);
    return { status, text };
  }

  async function json<T>(call: AmCall, schema: z.ZodType<T>, query?: URLSearchParams, body?: unknown): Promise<T> {
    const { status, text } = await send(call, query, body);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw shapeError(call, status, `invalid JSON: ${text.slice(0, 80)}`, err);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw shapeError(call, status, describeIssues(parsed.error), parsed.error);
    return parsed.data;
  }

  const at = (method: string, path: string): AmCall => ({ url: shownUrl, method, path: `/api/v2${path}` });

  async function getAlerts(query: AlertQuery = {}): Promise<GettableAlert[]> {
    const params = new URLSearchParams();
    for (const f of query.filter ?? []) params.append('filter', f);
    for (const key of ['active', 'silenced', 'inhibited'] as const) {
      const value = query[key];
      if (value !== undefined) params.set(key, String(value));
    }
    return json(at('GET', '/alerts'), z.array(gettableAlertSchema), params);
  }

  return {
    baseUrl: options.baseUrl,

    async createSilence(silence) {
      const payload = {
        matchers: silence.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual ?? true })),
        startsAt: iso(silence.startsAt),
        endsAt: iso(silence.endsAt),
        createdBy: silence.createdBy,
        comment: silence.comment,
      };
      const res = await json(at('POST', '/silences'), postSilenceResponseSchema, undefined, payload);
      return res.silenceID;
    },

    async expireSilence(id) {
      const c = at('DELETE', `/silence/${encodeURIComponent(id)}`);
      // 404: gone (newer Alertmanagers). 0.25 answers 500 "silence not found" for an unknown or
      // garbage-collected id, and 200 for one already expired.
      const { status, text } = await send(c, undefined, undefined, [404, 500]);
      if (status === 500 && !/silence not found/i.test(text)) throw httpError(c, status, text);
    },

    getAlerts,

    async getSilences(filter = []) {
      const params = new URLSearchParams();
      for (const f of filter) params.append('filter', f);
      return json(at('GET', '/silences'), z.array(gettableSilenceSchema), params);
    },

    async isFiring(fingerprint, labels) {
      try {
        const alerts = await getAlerts(labels ? { filter: equalityFilter(labels) } : {});
        return alerts.some((a) => a.fingerprint === fingerprint);
      } catch (err) {
        if (err instanceof DroverError) return undefined;
        throw err;
      }
    },
  };
}
