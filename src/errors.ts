/**
 * Coded errors. Every error Drover raises on purpose is a DroverError: a stable
 * string code, a message that is safe to show in Slack or a terminal (no stack,
 * no token, no secret), whether retrying the same run could succeed, and the
 * original error as `cause` for the logs.
 */
export type ErrorCode =
  | 'config_invalid'
  | 'runbook_invalid'
  | 'runbook_not_found'
  | 'params_invalid'
  | 'cluster_unknown'
  | 'cluster_unreachable'
  | 'k8s_unauthorized'
  | 'k8s_forbidden'
  | 'k8s_not_found'
  | 'k8s_conflict'
  | 'k8s_invalid'
  | 'k8s_throttled'
  | 'k8s_server_error'
  | 'k8s_unsupported'
  /** The cluster does not serve an API group/version Drover needs (found through discovery or a 404 for the resource itself). */
  | 'k8s_api_missing'
  /** A pod has no container output to read: it never started, or its node cannot be reached. */
  | 'k8s_no_logs'
  | 'runbook_refused'
  | 'run_cancelled'
  | 'run_timed_out'
  | 'run_not_found'
  | 'run_not_cancellable'
  | 'permission_denied'
  | 'approval_refused'
  | 'approval_void'
  | 'approval_expired'
  | 'run_not_pending'
  | 'redis_unavailable'
  /** ctx.prometheus was called but no Prometheus is configured (prometheus.url) for the run's cluster. */
  | 'prometheus_not_configured'
  /** Prometheus did not answer (network, timeout, 5xx). */
  | 'prometheus_unreachable'
  /** Prometheus refused the query (PromQL syntax, a query it cannot run). */
  | 'prometheus_bad_query'
  /** ctx.http was asked for a host (or a redirect went to one) not in outbound.allow. */
  | 'http_not_allowed'
  /** An outbound ctx.http request got no answer (network, timeout). */
  | 'http_unreachable'
  /** An outbound ctx.http answer was larger than allowed. */
  | 'http_too_large'
  /** The runbook test harness waited for a run longer than its bound (drover/testing). */
  | 'harness_timeout'
  /** The runbook test harness replayed an alert payload Drover's webhook did not take. */
  | 'harness_alert_rejected'
  /** A mutation of an object Argo CD or Flux manages was refused by its GitOps mode (refuse, or direct without the policy's leave). */
  | 'gitops_refused'
  /** GitOps mode propose/suspend needs a repository Drover has no configuration (or credentials) for. */
  | 'gitops_unconfigured'
  /** The field to change could not be found (or set unambiguously) in the GitOps repository. */
  | 'gitops_no_source'
  /** A git command failed (clone, fetch, push). */
  | 'gitops_git_failed'
  /** The forge (GitHub, GitLab) refused or did not answer. */
  | 'gitops_forge_failed'
  /** The pull request was closed without being merged. */
  | 'gitops_rejected'
  /** The pull request was not merged, or the reconciler did not sync it, in time. */
  | 'gitops_timed_out'
  /** After the sync, the live object does not hold the value git now says. */
  | 'gitops_not_verified'
  | 'internal';

export interface DroverErrorOptions {
  retryable?: boolean;
  cause?: unknown;
  /** Machine-readable details (HTTP status, object reference...). Must not hold secrets. */
  details?: Record<string, unknown>;
}

const BRAND = Symbol.for('drover.error');

export class DroverError extends Error {
  /**
   * Recognises DroverErrors from another copy of this module too: runbooks
   * loaded from TypeScript source next to compiled Drover import their own copy.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== DroverError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  readonly [BRAND] = true;
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: DroverErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DroverError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }
}

/**
 * A runbook's deliberate refusal ("this pod has no controller"). Never retried:
 * running the same thing again would refuse again.
 */
export class RunbookRefusal extends DroverError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('runbook_refused', message, details ? { details } : {});
    this.name = 'RunbookRefusal';
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The errno-style code of a network failure anywhere in the cause chain, if any. */
export function networkErrorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (typeof current === 'object') {
      const code = (current as { code?: unknown }).code;
      if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
      const errno = (current as { errno?: unknown }).errno;
      if (typeof errno === 'string' && NETWORK_CODES.has(errno)) return errno;
      current = (current as { cause?: unknown }).cause;
    } else {
      break;
    }
  }
  return undefined;
}

/** Wraps anything thrown into a DroverError; unknown errors become `internal` with a generic message. */
export function asDroverError(err: unknown): DroverError {
  if (err instanceof DroverError) return err;
  const net = networkErrorCode(err);
  if (net) {
    return new DroverError('cluster_unreachable', `Network error (${net}) talking to a dependency.`, {
      retryable: true,
      cause: err,
    });
  }
  return new DroverError('internal', 'Internal error; the details are in Drover\'s logs.', { cause: err });
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
