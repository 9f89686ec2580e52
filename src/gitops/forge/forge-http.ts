/**
 * The one door to a forge's REST API: a timeout on every request, an answer
 * bounded at 1 MiB and required to be JSON, and every failure turned into
 * gitops_forge_failed with the HTTP status in its details, a hint for the
 * operator (which secret to check) and never the token.
 */
import { DroverError } from '../../errors.js';
import { readBounded } from '../../outbound/read-bounded.js';
import { fetchFailure } from '../../outbound/request-checks.js';
import { scrubSecrets } from '../git/scrub.js';

export interface ForgeHttpOptions {
  fetch?: typeof fetch;
  /** Per request; default 15 s. */
  timeoutMs?: number;
  /** Largest answer read; default 1 MiB. */
  maxBytes?: number;
  /** How the operator finds the token, for messages: default "the forge token in the GitOps repository's secret". */
  secretHint?: string;
}

export interface ForgeContext {
  /** `GitHub` / `GitLab`, for messages. */
  name: string;
  /** `repository acme/fleet` / `project group/fleet`, for messages. */
  target: string;
  token: string;
  /** Authentication and fixed headers. */
  headers: Record<string, string>;
}

export interface ForgeAnswer {
  status: number;
  data: unknown;
}

const MiB = 1024 * 1024;

/** The forge's own words (`message`, GitHub's `errors[].message`, GitLab's message list), short and scrubbed. */
export function forgeWords(data: unknown, token: string): string {
  if (!data || typeof data !== 'object') return '';
  const parts: string[] = [];
  const { message, errors, error } = data as { message?: unknown; errors?: unknown; error?: unknown };
  const add = (v: unknown) => {
    if (typeof v === 'string') parts.push(v);
    else if (Array.isArray(v)) v.forEach(add);
    else if (v && typeof v === 'object') {
      const m = (v as { message?: unknown }).message;
      if (typeof m === 'string') parts.push(m);
      else if (m === undefined) for (const [k, x] of Object.entries(v)) if (Array.isArray(x)) parts.push(`${k} ${x.filter((s) => typeof s === 'string').join(', ')}`);
    }
  };
  add(message);
  add(errors);
  add(error);
  const text = scrubSecrets(parts.join('; ').replace(/\s+/g, ' ').trim(), [token]);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

export class ForgeHttp {
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly secretHint: string;

  constructor(
    private readonly base: string,
    private readonly context: ForgeContext,
    options: ForgeHttpOptions = {},
  ) {
    this.fetch = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.maxBytes = options.maxBytes ?? MiB;
    this.secretHint = options.secretHint ?? "the forge token in the GitOps repository's secret";
  }

  /** The forge's words in an answer, scrubbed of the token. */
  words(data: unknown): string {
    return forgeWords(data, this.context.token);
  }

  /**
   * Sends one request; answers 2xx and the statuses in `accept` (a 422 the
   * caller understands), throws gitops_forge_failed for anything else.
   */
  async request(method: 'GET' | 'POST', path: string, options: { body?: unknown; accept?: number[] } = {}): Promise<ForgeAnswer> {
    const url = `${this.base}${path}`;
    const what = `${method} ${path.split('?')[0] ?? path}`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const headers: Record<string, string> = { ...this.context.headers };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await this.fetch(url, {
        method,
        headers,
        signal: timeout,
        redirect: 'manual',
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
    } catch (err) {
      const why = timeout.aborted ? `no answer within ${this.timeoutMs} ms` : fetchFailure(err);
      throw this.fail(`${this.context.name} did not answer ${what} (${why}); Drover will try again`, { retryable: true, cause: err, details: { request: what } });
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel().catch(() => undefined);
      // Following it would send the token wherever the answer points.
      throw this.fail(`${this.context.name} answered ${what} with a redirect (HTTP ${res.status}): the ${this.context.target} may have moved or been renamed; update the GitOps repository's configuration`, { details: { request: what, status: res.status } });
    }
    let body: { text: string; tooLarge: boolean };
    try {
      body = await readBounded(res, this.maxBytes);
    } catch (err) {
      throw this.fail(`${this.context.name}'s answer to ${what} broke off (${fetchFailure(err)})`, { retryable: true, cause: err, details: { request: what, status: res.status } });
    }
    const details = { request: what, status: res.status };
    if (body.tooLarge) throw this.fail(`${this.context.name}'s answer to ${what} is larger than ${Math.round(this.maxBytes / 1024)} KiB; Drover did not read it`, { details });
    let data: unknown = null;
    if (body.text.trim()) {
      try {
        data = JSON.parse(body.text);
      } catch {
        if (res.status >= 500 || res.status === 429) throw this.statusError(res, null, details);
        throw this.fail(`${this.context.name}'s answer to ${what} (HTTP ${res.status}) is not JSON: is the API URL right (a login page or a proxy answered)?`, { details });
      }
    }
    if ((res.status >= 200 && res.status < 300) || options.accept?.includes(res.status)) return { status: res.status, data };
    throw this.statusError(res, data, details);
  }

  private statusError(res: Response, data: unknown, details: { request: string; status: number }): DroverError {
    const { name, target } = this.context;
    const said = forgeWords(data, this.context.token);
    const words = said ? ` (${said})` : '';
    const status = res.status;
    if (status === 401) {
      return this.fail(`${name} refused the token (HTTP 401${words}): it is wrong, expired or revoked; check ${this.secretHint}`, { details });
    }
    const rateLimited = status === 429 || (status === 403 && (res.headers.get('x-ratelimit-remaining') === '0' || res.headers.has('retry-after')));
    if (rateLimited) {
      return this.fail(`${name} is rate limiting Drover (HTTP ${status}); Drover will try again later`, { retryable: true, details: { ...details, retryAfter: res.headers.get('retry-after') ?? undefined } });
    }
    if (status === 403) {
      return this.fail(`${name} did not allow ${details.request} on ${target} (HTTP 403${words}): the token lacks a permission (pull requests / merge requests: write, contents: write); check ${this.secretHint}`, { details });
    }
    if (status === 404) {
      return this.fail(`${name} answered 404 to ${details.request} on ${target}: the ${target} (or the request asked for) does not exist, or the token cannot see it; check the GitOps repository's configuration and ${this.secretHint}`, { details });
    }
    if (status >= 500) return this.fail(`${name} failed on ${details.request} (HTTP ${status}); Drover will try again`, { retryable: true, details });
    return this.fail(`${name} refused ${details.request} on ${target} (HTTP ${status}${words})`, { details });
  }

  private fail(message: string, options: { retryable?: boolean; cause?: unknown; details: Record<string, unknown> }): DroverError {
    return new DroverError('gitops_forge_failed', scrubSecrets(message, [this.context.token]), {
      retryable: options.retryable ?? false,
      details: options.details,
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
  }
}

/** `https://api.github.com` (or a GitHub Enterprise `/api/v3`, a GitLab base) without a trailing slash; refuses credentials, queries and other schemes. */
export function apiBase(apiUrl: string, name: string): string {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new DroverError('config_invalid', `The ${name} API URL is not a valid URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new DroverError('config_invalid', `The ${name} API URL must be http(s).`);
  if (url.username || url.password) throw new DroverError('config_invalid', `The ${name} API URL carries credentials; put the token in the secret instead. The URL is not shown.`);
  if (url.search || url.hash) throw new DroverError('config_invalid', `The ${name} API URL must not have a query or fragment.`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** A pull request number (GitHub) or merge request iid (GitLab): a positive integer. */
export function checkNumber(number: number): void {
  if (!Number.isSafeInteger(number) || number < 1) throw new DroverError('gitops_forge_failed', `${String(number)} is not a pull request number.`);
}

/**
 * The page a forge names for a request, when it is a plain http(s) web link
 * (it is shown in chat and in the run's report, so `javascript:`, a link
 * with credentials, whitespace or control characters is refused).
 */
export function checkWebUrl(value: string, name: string): string {
  const refuse = (): never => {
    throw new DroverError('gitops_forge_failed', `${name}'s answer names a page link that is not a plain web link; Drover does not show it.`);
  };
  // eslint-disable-next-line no-control-regex
  if (value.length > 2048 || /[\s\u0000-\u001f\u007f<>"`]/.test(value)) return refuse();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return refuse();
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return refuse();
  return value;
}

/** A full commit id (40 hex for SHA-1, 64 for SHA-256), else undefined: anything else is not a commit a merge made. */
export function commitSha(value: string | null | undefined): string | undefined {
  return typeof value === 'string' && /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i.test(value) ? value.toLowerCase() : undefined;
}

/** Refuses an answer about another request than the one asked for (a confused cache, a proxy, a hostile server). */
export function checkSame(name: string, asked: number, got: number): void {
  if (asked !== got) throw new DroverError('gitops_forge_failed', `${name} answered about request #${got} when asked for #${asked}; Drover does not trust the answer.`);
}
