/**
 * What ctx.prometheus answers: Prometheus's query results as typed values
 * (numbers, not the strings the HTTP API sends).
 */

/** One sample of an instant vector: the series' labels, its value, and when (Unix seconds). */
export interface PromSample {
  labels: Record<string, string>;
  value: number;
  timestamp: number;
}

/** One series of a range result: its labels and its points, oldest first. */
export interface PromSeries {
  labels: Record<string, string>;
  points: Array<{ timestamp: number; value: number }>;
}

/**
 * The result of an instant query, by `resultType`:
 * `vector` (the usual: one sample per series), `scalar`, `string`, or
 * `matrix` (for a range selector such as `up[5m]`).
 */
export type PromQueryResult =
  | { resultType: 'vector'; samples: PromSample[] }
  | { resultType: 'scalar'; value: number; timestamp: number }
  | { resultType: 'string'; value: string; timestamp: number }
  | { resultType: 'matrix'; series: PromSeries[] };

export interface PromQueryOptions {
  /** Evaluation time (a Date, or Unix seconds); default now. */
  time?: Date | number;
}

export interface PromRangeOptions {
  start: Date | number;
  end: Date | number;
  /** Resolution in seconds. */
  step: number;
}

/**
 * The Prometheus door of a runbook: the Prometheus configured for the run's
 * cluster (`prometheus.url`, or `prometheus.clusters.<cluster>`). Queries are
 * reads, so a dry run sends them too. Every query is audited
 * (`prometheus.query`: the PromQL, the server, the outcome, never the
 * credentials). Failures are prometheus_not_configured,
 * prometheus_unreachable (retryable) or prometheus_bad_query.
 *
 * @example
 * ```ts
 * // Check the fix worked before reporting success.
 * const errors = await ctx.prometheus.value(`sum(rate(http_requests_total{namespace="${ns}",code=~"5.."}[5m]))`);
 * if ((errors ?? 0) > 0.1) throw new RunbookRefusal(`still ${errors} errors/s after the restart`);
 * ```
 */
export interface PrometheusOps {
  /**
   * True when a Prometheus is configured for this cluster: a runbook that can
   * do without the check says so instead of failing.
   *
   * @example
   * ```ts
   * if (!ctx.prometheus.configured) await ctx.report('no Prometheus for this cluster: the fix is not verified');
   * ```
   */
  readonly configured: boolean;
  /**
   * An instant query (`/api/v1/query`).
   *
   * @example
   * ```ts
   * const r = await ctx.prometheus.query('up{job="api"}');
   * if (r.resultType === 'vector') for (const s of r.samples) ctx.log.info(`${s.labels.instance}: ${s.value}`);
   * ```
   */
  query(promql: string, options?: PromQueryOptions): Promise<PromQueryResult>;
  /**
   * The one number a query answers: a scalar, or the value of a vector's only
   * sample; undefined when the vector is empty; prometheus_bad_query when it
   * has several series (aggregate them, e.g. with sum()).
   *
   * @example
   * ```ts
   * const ready = await ctx.prometheus.value(`kube_deployment_status_replicas_ready{namespace="shop",deployment="web"}`);
   * ```
   */
  value(promql: string, options?: PromQueryOptions): Promise<number | undefined>;
  /**
   * A range query (`/api/v1/query_range`): each series' points between
   * `start` and `end`, every `step` seconds.
   *
   * @example
   * ```ts
   * const now = Date.now() / 1000;
   * const { series } = await ctx.prometheus.queryRange('sum(rate(http_requests_total[1m]))', { start: now - 600, end: now, step: 60 });
   * ```
   */
  queryRange(promql: string, options: PromRangeOptions): Promise<{ resultType: 'matrix'; series: PromSeries[] }>;
}

/** What is audited of one query. */
export interface PromQueryRecord {
  cluster: string;
  /** The Prometheus queried: scheme, host and path prefix, no credentials. */
  server: string;
  query: string;
  kind: 'instant' | 'range';
  /** Evaluation time, or range start/end/step (ISO and seconds). */
  time?: string;
  range?: { start: string; end: string; step: number };
  outcome: 'succeeded' | 'failed';
  resultType?: string;
  /** Series (vector samples or matrix series) in the answer. */
  series?: number;
  durationMs: number;
  errorCode?: string;
}
