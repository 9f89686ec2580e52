import type { ErrorCode } from '../errors.js';

/**
 * Label values Drover exports, and how each is kept to a small known set.
 * One series per label combination lives in every process until it restarts:
 * a label fed from outside (a run id, a user, a fingerprint, a runbook's own
 * error code) would grow without end. Values are snake_case everywhere, while
 * run states and audit fields keep their own spelling (`timed-out`): they are
 * converted here, on their way into a metric, and nowhere else.
 */

/** Every label name a Drover metric may carry; a unit test holds the registry to it. */
export const LABEL_NAMES = ['runbook', 'outcome', 'dry_run', 'code', 'requester', 'cluster', 'verb', 'result', 'decision', 'state', 'version'] as const;
export type LabelName = (typeof LABEL_NAMES)[number];

/** `timed-out` → `timed_out`, `not-cleared` → `not_cleared`. */
export function snake(value: string): string {
  return value.replace(/[-\s]+/g, '_').toLowerCase();
}

const ERROR_CODES = {
  config_invalid: true,
  runbook_invalid: true,
  runbook_not_found: true,
  params_invalid: true,
  cluster_unknown: true,
  cluster_unreachable: true,
  k8s_unauthorized: true,
  k8s_forbidden: true,
  k8s_not_found: true,
  k8s_conflict: true,
  k8s_invalid: true,
  k8s_throttled: true,
  k8s_server_error: true,
  k8s_unsupported: true,
  k8s_api_missing: true,
  k8s_no_logs: true,
  runbook_refused: true,
  run_cancelled: true,
  run_timed_out: true,
  run_not_found: true,
  run_not_cancellable: true,
  permission_denied: true,
  approval_refused: true,
  approval_void: true,
  approval_expired: true,
  run_not_pending: true,
  redis_unavailable: true,
  prometheus_not_configured: true,
  prometheus_unreachable: true,
  prometheus_bad_query: true,
  http_not_allowed: true,
  http_unreachable: true,
  http_too_large: true,
  harness_timeout: true,
  harness_alert_rejected: true,
  gitops_refused: true,
  gitops_unconfigured: true,
  gitops_no_source: true,
  gitops_git_failed: true,
  gitops_forge_failed: true,
  gitops_rejected: true,
  gitops_timed_out: true,
  gitops_not_verified: true,
  internal: true,
} satisfies Record<ErrorCode, true>;

/** A retry's error code: one of Drover's own, else `other` (a runbook may make up any code). */
export function errorCodeLabel(code: string): string {
  return Object.hasOwn(ERROR_CODES, code) ? code : 'other';
}

const K8S_VERBS = new Set(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', 'proxy', 'connect', 'apply']);

/** A Kubernetes verb, or `other`. */
export function verbLabel(verb: string): string {
  const v = verb.toLowerCase();
  return K8S_VERBS.has(v) ? v : 'other';
}

// The statuses the Kubernetes API answers with (and a proxy in front of it may); each is a series per cluster and verb.
const HTTP_CODES = new Set(['0', '200', '201', '202', '204', '304', '400', '401', '403', '404', '405', '406', '409', '410', '413', '415', '422', '429', '500', '501', '502', '503', '504']);

/** An HTTP status the Kubernetes API uses (0: no answer), or `other`: a made-up status must not make a series of its own. */
export function httpCodeLabel(code: string): string {
  return HTTP_CODES.has(code) ? code : 'other';
}

/** The values each enumerated label may take (across the metrics that carry it); anything else is `other`. */
export const LABEL_VALUES = {
  outcome: [
    // drover_runs_total, drover_run_duration_seconds
    'succeeded', 'failed', 'cancelled', 'timed_out', 'rejected', 'expired',
    // drover_alerts_total
    'enqueued', 'deduplicated', 'unmatched', 'breaker_open', 'approval_required', 'denied', 'resolved',
    // drover_approvals_total
    'counted', 'approved', 'duplicate', 'refused', 'voided',
    // drover_schedule_fires_total (with denied, rejected)
    'queued', 'proposed', 'skipped', 'missed', 'limited',
  ],
  // drover_alert_remediations_total; drover_audit_verifications_total
  result: ['remediated', 'not_cleared', 'run_failed', 'ok', 'broken', 'error'],
  decision: ['allowed', 'approval_required', 'denied'],
  state: ['waiting', 'active', 'delayed'],
  requester: ['cli', 'slack', 'alert', 'schedule', 'system'],
} as const satisfies Partial<Record<LabelName, readonly string[]>>;

function oneOf(values: readonly string[]): (value: string) => string {
  const set = new Set(values);
  return (value) => {
    const v = snake(value);
    return set.has(v) ? v : 'other';
  };
}

/** What each label's values go through before they reach a series. */
const NORMALISE: Record<LabelName, (value: string) => string> = {
  runbook: (v) => v,
  cluster: (v) => v,
  version: (v) => v,
  outcome: oneOf(LABEL_VALUES.outcome),
  result: oneOf(LABEL_VALUES.result),
  decision: oneOf(LABEL_VALUES.decision),
  state: oneOf(LABEL_VALUES.state),
  requester: oneOf(LABEL_VALUES.requester),
  dry_run: (v) => (v === 'true' ? 'true' : 'false'),
  code: (v) => v,
  verb: verbLabel,
};

/**
 * Normalises a metric's labels. `known` bounds names that come from
 * configuration (runbooks, clusters): anything else becomes `other`.
 */
export function normaliseLabels<T extends string>(
  labels: Partial<Record<T, string | number>>,
  options: { code?: (value: string) => string; known?: Partial<Record<LabelName, (value: string) => boolean>> } = {},
): Partial<Record<T, string>> {
  const out: Partial<Record<string, string>> = {};
  for (const [name, raw] of Object.entries<string | number | undefined>(labels)) {
    if (raw === undefined) continue;
    const value = String(raw);
    const label = name as LabelName;
    let normalised = name === 'code' && options.code ? options.code(value) : (NORMALISE[label] ?? (() => 'other'))(value);
    const known = options.known?.[label];
    if (known && !known(normalised)) normalised = 'other';
    out[name] = normalised;
  }
  return out;
}
