import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
}

export interface MetricsOptions {
  /** Reads the queue's job counts when /metrics is scraped. */
  queueCounts?: () => Promise<Partial<QueueCounts>>;
  /** Node process metrics (memory, event loop lag...); off in tests. */
  processMetrics?: boolean;
}

/** Drover's Prometheus metrics, on their own registry so several apps can live in one process (tests). */
export function createMetrics(options: MetricsOptions = {}) {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'drover_' });

  const runs = new Counter({
    name: 'drover_runs_total',
    help: 'Finished runs by runbook and outcome (succeeded, failed, cancelled, timed-out, rejected, expired).',
    labelNames: ['runbook', 'outcome', 'dry_run'] as const,
    registers: [registry],
  });
  const runDuration = new Histogram({
    name: 'drover_run_duration_seconds',
    help: 'Duration of finished runs, from first start to finish.',
    labelNames: ['runbook', 'outcome'] as const,
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'drover_run_retries_total',
    help: 'Attempts that failed with a retryable error and were scheduled again.',
    labelNames: ['runbook', 'code'] as const,
    registers: [registry],
  });
  const runsEnqueued = new Counter({
    name: 'drover_runs_enqueued_total',
    help: 'Runs accepted into the queue, by runbook and who asked (cli, slack, alert).',
    labelNames: ['runbook', 'requester'] as const,
    registers: [registry],
  });
  const k8sCalls = new Counter({
    name: 'drover_k8s_api_calls_total',
    help: 'Kubernetes API calls by cluster, verb and HTTP status code (0: no answer).',
    labelNames: ['cluster', 'verb', 'code'] as const,
    registers: [registry],
  });
  const alerts = new Counter({
    name: 'drover_alerts_total',
    help: 'Alerts received from Alertmanager, by outcome (enqueued, deduplicated, unmatched, breaker_open, approval_required, denied, resolved, rejected).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const remediations = new Counter({
    name: 'drover_alert_remediations_total',
    help: 'Automatic runs by whether their alert cleared (remediated, not-cleared, run-failed).',
    labelNames: ['runbook', 'result'] as const,
    registers: [registry],
  });
  const decisions = new Counter({
    name: 'drover_policy_decisions_total',
    help: 'Run requests by policy decision (allowed, approval_required, denied).',
    labelNames: ['runbook', 'decision'] as const,
    registers: [registry],
  });
  const approvals = new Counter({
    name: 'drover_approvals_total',
    help: 'Approval actions by outcome (counted, approved, duplicate, refused, rejected, expired, voided).',
    labelNames: ['runbook', 'outcome'] as const,
    registers: [registry],
  });
  const queueCounts = options.queueCounts;
  new Gauge({
    name: 'drover_queue_depth',
    help: 'Jobs in the run queue by state.',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      if (!queueCounts) return;
      const counts = await queueCounts().catch(() => undefined);
      if (!counts) return;
      for (const state of ['waiting', 'active', 'delayed'] as const) this.set({ state }, counts[state] ?? 0);
    },
  });

  return { registry, runs, runDuration, retries, runsEnqueued, k8sCalls, alerts, remediations, decisions, approvals };
}

export type Metrics = ReturnType<typeof createMetrics>;
