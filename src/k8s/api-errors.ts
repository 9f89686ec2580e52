/**
 * Turns whatever a Kubernetes call threw (ApiException with a Status body,
 * node-fetch FetchError, AbortError) into a DroverError: a code, whether a
 * retry can help, and the API server's own message, which is safe to show.
 */
import { ApiException } from '@kubernetes/client-node';
import { DroverError, networkErrorCode, type ErrorCode } from '../errors.js';

/** What was being attempted, for messages and details. */
export interface CallTarget {
  cluster: string;
  verb: string;
  resource: string;
  kind: string;
  namespace?: string;
  name?: string;
}

export interface FailureContext extends CallTarget {
  /** The URL path that was asked, when known. */
  path?: string;
  timeoutMs: number;
  /** The per-call timeout fired. */
  timedOut: boolean;
}

interface StatusBody {
  message?: string;
  reason?: string;
  details?: { retryAfterSeconds?: number; causes?: { reason?: string; message?: string; field?: string }[] };
}

/** The Status object in an ApiException body, which the client hands over as a string or an object. */
export function statusOf(body: unknown): StatusBody {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body) as unknown;
    } catch {
      return body.trim() ? { message: body.trim().slice(0, 500) } : {};
    }
  }
  return typeof value === 'object' && value !== null ? value : {};
}

const BY_STATUS: { test: (code: number) => boolean; code: ErrorCode; retryable: boolean }[] = [
  { test: (c) => c === 401, code: 'k8s_unauthorized', retryable: false },
  { test: (c) => c === 403, code: 'k8s_forbidden', retryable: false },
  { test: (c) => c === 404, code: 'k8s_not_found', retryable: false },
  { test: (c) => c === 409, code: 'k8s_conflict', retryable: true },
  { test: (c) => c === 400 || c === 422, code: 'k8s_invalid', retryable: false },
  { test: (c) => c === 415, code: 'k8s_unsupported', retryable: false },
  { test: (c) => c === 429, code: 'k8s_throttled', retryable: true },
  { test: (c) => c >= 500, code: 'k8s_server_error', retryable: true },
];

function targetDetails(t: CallTarget): Record<string, unknown> {
  const d: Record<string, unknown> = { cluster: t.cluster, verb: t.verb, resource: t.resource, kind: t.kind };
  if (t.namespace !== undefined) d.namespace = t.namespace;
  if (t.name !== undefined) d.name = t.name;
  return d;
}

function describe(t: CallTarget): string {
  const where = t.namespace ? `${t.namespace}/${t.name ?? ''}` : (t.name ?? '');
  return `${t.verb} ${t.resource}${where ? ` ${where}` : ''}`;
}

function retryAfter(headers: unknown, status: StatusBody): number | undefined {
  const raw = typeof headers === 'object' && headers !== null ? (headers as Record<string, unknown>)['retry-after'] : undefined;
  const fromHeader = typeof raw === 'string' ? Number(raw) : NaN;
  if (Number.isFinite(fromHeader) && fromHeader >= 0) return fromHeader;
  return status.details?.retryAfterSeconds;
}

/** `apps/v1` from `/apis/apps/v1/namespaces/...`, `v1` from `/api/v1/...`. */
export function groupVersionOf(path: string): string | undefined {
  const apis = /^\/apis\/([^/]+)\/([^/]+)/.exec(path);
  if (apis) return `${apis[1]}/${apis[2]}`;
  const core = /^\/api\/([^/]+)/.exec(path);
  return core ? core[1] : undefined;
}

/**
 * A 404 about the resource itself, not an object: the server does not serve
 * that group, version or resource ("the server could not find the requested
 * resource", with no object name in the details).
 */
function apiMissing(err: ApiException<unknown>, status: StatusBody, ctx: FailureContext): DroverError | undefined {
  if (err.code !== 404) return undefined;
  const details = status.details as { name?: string } | undefined;
  if (details?.name) return undefined;
  // A known group answers a Status; a group the server does not know at all gets Go's plain-text "404 page not found".
  if (status.message !== undefined && !/could not find the requested resource|^404 page not found$/i.test(status.message)) return undefined;
  const gv = ctx.path ? groupVersionOf(ctx.path) : undefined;
  const api = gv ? `${gv} ${ctx.resource.split('/')[0] ?? ctx.resource}` : ctx.resource;
  return new DroverError(
    'k8s_api_missing',
    `cluster "${ctx.cluster}" does not serve ${api} (404 for the resource itself${ctx.path ? `: ${ctx.path}` : ''}); \`kubectl api-resources\` lists what it serves`,
    { cause: err, details: { ...targetDetails(ctx), status: 404, ...(gv ? { groupVersion: gv } : {}) } },
  );
}

function fromApiException(err: ApiException<unknown>, ctx: FailureContext): DroverError {
  const status = statusOf(err.body);
  const missing = apiMissing(err, status, ctx);
  if (missing) return missing;
  const mapping = BY_STATUS.find((m) => m.test(err.code));
  const code: ErrorCode = mapping?.code ?? 'k8s_server_error';
  const details: Record<string, unknown> = { ...targetDetails(ctx), status: err.code };
  if (status.reason) details.reason = status.reason;
  if (status.details?.causes) details.causes = status.details.causes;
  let message = status.message ?? `the API server answered HTTP ${err.code} to ${describe(ctx)}`;
  if (err.code === 401) {
    message = `the API server rejected Drover's credentials (401 Unauthorized) for ${describe(ctx)}; check the token or client certificate in the kubeconfig`;
  }
  if (err.code === 429) {
    const seconds = retryAfter(err.headers, status);
    if (seconds !== undefined) details.retryAfterSeconds = seconds;
  }
  return new DroverError(code, `cluster "${ctx.cluster}": ${message}`, {
    retryable: mapping?.retryable ?? err.code >= 500,
    cause: err,
    details,
  });
}

function isAbort(err: unknown): boolean {
  const e = err as { name?: unknown; type?: unknown } | null;
  return typeof e === 'object' && e !== null && (e.name === 'AbortError' || e.type === 'aborted');
}

function fetchErrorCode(err: unknown): string | undefined {
  const e = err as { name?: unknown; code?: unknown; errno?: unknown } | null;
  if (typeof e !== 'object' || e === null || e.name !== 'FetchError') return undefined;
  if (typeof e.code === 'string') return e.code;
  return typeof e.errno === 'string' ? e.errno : 'FETCH_ERROR';
}

/** TLS trust problems will not go away on a retry. */
function isTlsCode(code: string): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|SSL/.test(code);
}

export function toDroverError(err: unknown, ctx: FailureContext): DroverError {
  if (err instanceof DroverError) return err;
  if (err instanceof ApiException) return fromApiException(err as ApiException<unknown>, ctx);
  const details = targetDetails(ctx);
  if (isAbort(err) || ctx.timedOut) {
    return new DroverError(
      'cluster_unreachable',
      `cluster "${ctx.cluster}" is unreachable (timeout): no answer to ${describe(ctx)} within ${ctx.timeoutMs} ms`,
      { retryable: true, cause: err, details: { ...details, networkCode: 'ETIMEDOUT', status: 0 } },
    );
  }
  const net = networkErrorCode(err) ?? fetchErrorCode(err);
  if (net) {
    const tls = isTlsCode(net);
    const reason = err instanceof Error ? err.message : String(err);
    const hint = tls ? ' (check the cluster CA in the kubeconfig)' : '';
    return new DroverError('cluster_unreachable', `cluster "${ctx.cluster}" is unreachable (${net}): ${reason}${hint}`, {
      retryable: !tls,
      cause: err,
      details: { ...details, networkCode: net, status: 0 },
    });
  }
  if (err instanceof SyntaxError) {
    return new DroverError('k8s_server_error', `cluster "${ctx.cluster}": the answer to ${describe(ctx)} was not valid Kubernetes JSON`, {
      retryable: true,
      cause: err,
      details,
    });
  }
  return new DroverError('internal', `cluster "${ctx.cluster}": unexpected error during ${describe(ctx)}; the details are in Drover's logs`, {
    cause: err,
    details,
  });
}
