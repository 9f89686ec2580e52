import type { z } from 'zod';
import type { Duration } from '../config/duration.js';
import type { K8sOps, PlannedChange } from '../k8s/types.js';
import type { PrometheusOps } from '../prometheus/types.js';
import type { HttpOps } from '../outbound/http-types.js';
import type { GitOpsMode } from '../gitops/types.js';

/** Any zod object schema: a runbook's parameters are always named. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ParamsSchema = z.ZodObject<any>;

/**
 * How risky a runbook is. `high` needs approval unless it is a dry run (when
 * the runbook declares no `approval`), and policy files can require approval by risk.
 */
export type Risk = 'low' | 'medium' | 'high';

/** Who asked for a run. */
export interface Requester {
  /** `slack`, `cli`, `alert` (Alertmanager), `schedule` (a runbook's schedule) or `system`. */
  kind: 'slack' | 'cli' | 'alert' | 'schedule' | 'system';
  /** Stable id: a Slack user id, `user@host` on the CLI, an alert fingerprint, `<runbook>/<schedule>`. */
  id: string;
  /** Display name, when known. */
  name?: string;
}

/**
 * An Alertmanager label matcher as Alertmanager writes it:
 * `severity="critical"`, `namespace!="kube-system"`, `pod=~"web-.*"`, `job!~"batch-.*"`.
 */
export type AlertMatcher = string;

/** One alert rule that triggers the runbook. */
export interface AlertTrigger<P> {
  /** The alert's `alertname` label, e.g. `KubePodCrashLooping`. */
  alertname: string;
  /** Further label matchers; all must hold. */
  matchers?: AlertMatcher[];
  /**
   * Params from the alert: a map from param name to a label (`label:pod`) or an
   * annotation (`annotation:summary`), or a function of the alert.
   */
  params:
    | Partial<Record<keyof P & string, `label:${string}` | `annotation:${string}`>>
    | ((alert: { labels: Record<string, string>; annotations: Record<string, string> }) => Partial<P>);
  /**
   * Silence the alert in Alertmanager while the run fixes it (needs
   * `alerts.alertmanagerUrl`); the silence is expired when the run ends.
   */
  silence?: boolean;
}

/**
 * A recurring run: a cron expression read in an IANA time zone, with the params
 * to run with. Each fire is a run like any other (policy, approval, audit,
 * concurrency key), asked for by the automation identity
 * `schedule:<runbook>/<name>`, which the policy must name to allow it.
 * A fire while the previous run of this schedule (on that cluster) is still
 * queued, waiting for approval or running is skipped, not stacked. A fire
 * Drover could not make on time (it was down) runs once if it is at most
 * `catchUp` late, and is skipped otherwise; several missed fires count as one.
 *
 * @example schedule: { name: 'nightly', cron: '0 3 * * *', timeZone: 'Europe/Paris', params: { namespace: 'ci' } }
 */
export interface ScheduleTrigger<P> {
  /** Kebab-case name, unique within the runbook: the schedule is `<runbook>/<name>`. */
  name: string;
  /** Five fields (minute hour day-of-month month day-of-week), or six with seconds first; or @hourly, @daily, @weekly, @monthly, @yearly. */
  cron: string;
  /** IANA time zone the cron is read in, e.g. `Europe/Paris` or `UTC`; daylight saving time is honoured. */
  timeZone: string;
  /** Params of each run; checked against the runbook's schema when the runbook loads. */
  params?: Partial<P>;
  /** Cluster(s) to run on, one run each; default the default cluster. */
  cluster?: string | string[];
  /** How late a missed fire may still run (once); default 10m. Later, it is skipped and audited as missed. */
  catchUp?: Duration;
}

/** What starts a runbook besides the CLI. */
export interface Triggers<P> {
  /** Name in chat (`/drover run <chat>`); defaults to the runbook id. `false` hides it from chat. */
  chat?: string | false;
  /** Alertmanager alerts that run it. */
  alerts?: AlertTrigger<P>[];
  /** Recurring runs (nightly clean-ups, certificate checks): one schedule or several. */
  schedule?: ScheduleTrigger<P> | ScheduleTrigger<P>[];
}

/**
 * The runbook's own approval requirement. The policy file can add to it (a
 * group the approvers must be in, more approvals); it cannot waive it. A run
 * that needs approval is planned by a server-side dry run, approved by people
 * other than the requester, and checked against that plan before it executes.
 *
 * @example approval: { required: 'always', approvers: 2, timeout: '30m' }
 */
export interface ApprovalPolicy {
  /** `always`, `never`, or `unless-dry-run` (default for risk high). */
  required?: 'always' | 'never' | 'unless-dry-run';
  /** Approvals needed from people other than the requester. */
  approvers?: number;
  /** How long a proposal waits for approval. */
  timeout?: Duration;
}

/**
 * Circuit breaker for alert-triggered runs, per target (the concurrencyKey).
 *
 * @example rateLimit: { maxRuns: 3, window: '1h', cooldown: '10m' }
 */
export interface RateLimit {
  /** Most runs per target within `window`. */
  maxRuns: number;
  window: Duration;
  /** Quiet time after a run before the next automatic one. */
  cooldown?: Duration;
}

/**
 * What the runbook does when a mutation touches an object Argo CD or Flux
 * owns (docs/gitops.md). Objects git does not own are changed as always.
 * The policy file can override it (its `gitops` entries win), and `direct`
 * is only honoured where a policy entry says `direct`.
 *
 * @example gitops: { mode: 'propose', clusters: { dev: 'suspend' }, window: '20m' }
 */
export interface RunbookGitOps {
  /** `propose` (a pull request), `suspend` (pause the reconciler, change, pull request, resume), `direct` or `refuse`. */
  mode: GitOpsMode;
  /** Per cluster name: another mode. */
  clusters?: Record<string, GitOpsMode>;
  /** `suspend`: how long the reconciler may stay suspended (at most gitops.suspendWindow). */
  window?: Duration;
}

/** Options of one step. */
export interface StepOptions {
  /**
   * Skip this step in a dry run. Use it for steps whose side effects do not go
   * through ctx.k8s (whose mutations are already sent as dryRun=All).
   */
  skipInDryRun?: boolean;
}

/** What a step's function receives. */
export interface StepContext {
  /** Aborted when the run is cancelled or times out. Pass it to anything that takes one. */
  signal: AbortSignal;
  /** 1 the first time this step runs; higher when a worker died inside it and it runs again. */
  execution: number;
  /**
   * When this step first started, stable across re-executions: use it to make a
   * re-executed mutation idempotent (for example a restart's timestamp).
   */
  firstStartedAt: string;
}

/** Structured log of a run; lines go to Drover's logs with the run's id. */
export interface RunLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * The only door a runbook has to the world. Bound to one run on one cluster.
 *
 * @example
 * ```ts
 * async run(ctx, { namespace, deployment }) {
 *   const before = await ctx.step('read deployment', () => ctx.k8s.getScale(namespace, deployment));
 *   await ctx.step('scale', () => ctx.k8s.scaleDeployment(namespace, deployment, before + 1));
 *   await ctx.report(`scaled ${namespace}/${deployment} to ${before + 1}`);
 * }
 * ```
 */
export interface RunContext {
  readonly runId: string;
  readonly runbookId: string;
  /** Name of the cluster the run acts on. */
  readonly cluster: string;
  /** True when mutations are sent with dryRun=All and only a plan is produced. */
  readonly dryRun: boolean;
  readonly requester: Requester;
  /** 1 on the first attempt, higher when the job is retried. */
  readonly attempt: number;
  /** Aborted when the run is cancelled or times out. */
  readonly signal: AbortSignal;
  /** Kubernetes, bound to the run's cluster; mutations honour the dry run. */
  readonly k8s: K8sOps;
  /**
   * The Prometheus configured for the run's cluster (`prometheus.url`): check
   * that a fix worked before reporting success. Queries run in dry runs too.
   *
   * @example
   * ```ts
   * const ready = await ctx.prometheus.value(`kube_deployment_status_replicas_ready{namespace="${ns}",deployment="${name}"}`);
   * ```
   */
  readonly prometheus: PrometheusOps;
  /**
   * Outbound HTTP to the hosts in `outbound.allow` (status pages, ticketing). In
   * a dry run only GET and HEAD are sent; writes go into the plan.
   *
   * @example
   * ```ts
   * await ctx.http.request({ method: 'POST', url: 'https://tickets.example.com/api/notes', json: { text: 'restarted web' } });
   * ```
   */
  readonly http: HttpOps;
  readonly log: RunLogger;
  /**
   * Runs one named, audited step. Its result (which must be JSON-serialisable) is
   * checkpointed: when the job is retried or resumed after a worker crash, a
   * step that completed returns its recorded result without running again.
   * Cancellation is checked before each step.
   */
  step<T>(name: string, fn: (step: StepContext) => Promise<T> | T, options?: StepOptions): Promise<T>;
  /** A line for the people following the run (CLI, Slack thread). */
  report(text: string): Promise<void>;
}

/** Everything a runbook file declares. `P` is the parsed params type. */
export interface RunbookSpec<S extends ParamsSchema> {
  /** Stable kebab-case id, e.g. `restart-deployment`. */
  id: string;
  /** One line saying what it does, shown in lists. */
  summary: string;
  /** Longer help, shown by `describe`. */
  description?: string;
  /** Parameters; their parsed type is what `run` receives. */
  params: S;
  triggers?: Triggers<z.output<S>>;
  /** Defaults to `medium`. */
  risk?: Risk;
  approval?: ApprovalPolicy;
  rateLimit?: RateLimit;
  /** Per attempt; defaults to the configured jobs.defaultTimeout (10m). */
  timeout?: Duration;
  /** Objects git owns (Argo CD, Flux): propose a pull request, suspend the reconciler, refuse, or (where the policy allows) change directly. Default: refuse. */
  gitops?: RunbookGitOps;
  /**
   * The target the run acts on, shared across runbooks: two runs with the same
   * key on the same cluster never overlap (the second waits). Defaults to the
   * runbook id, so runs of one runbook on a cluster are serialised.
   *
   * @example concurrencyKey: (p) => `deployment/${p.namespace}/${p.deployment}`
   */
  concurrencyKey?: (params: z.output<S>) => string;
  run(ctx: RunContext, params: z.output<S>): Promise<unknown>;
}

/**
 * Which pack a runbook came from, at which version, with which content: what
 * every run records (run record, audit log) so it can be told later exactly
 * what code ran.
 */
export interface PackIdentity {
  /** The pack's configured name, e.g. `drover` (the shipped runbooks) or `payments`. */
  name: string;
  /** An npm package's version, a git pack's commit, or `local` for a directory. */
  version: string;
  /** SHA-256 of the runbook file and the helpers it bundles (the runbook's `digest`). */
  hash: string;
}

/** A runbook as the registry holds it (params erased). */
export interface Runbook extends RunbookSpec<ParamsSchema> {
  /** Where it was loaded from, for error messages. */
  readonly source?: string;
  /** Content hash of the runbook file and the helpers it bundles; approvals are bound to it. */
  readonly digest?: string;
  /** The pack it was loaded from (set by the loader). */
  readonly pack?: PackIdentity;
}

/** What a finished run produced. */
export interface RunOutput {
  /** The value `run` returned (JSON). */
  result?: unknown;
  /** Every object changed, or in a dry run that would change. */
  plan: PlannedChange[];
}
