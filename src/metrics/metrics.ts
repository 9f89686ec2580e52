import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { within } from './bounded.js';
import { errorCodeLabel, httpCodeLabel, normaliseLabels, type LabelName } from './labels.js';

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
}

/** What the gauges read when /metrics is scraped; each read is bounded by `readTimeoutMs`. */
export interface ScrapeReads {
  /** The queue's job counts. */
  queueCounts?: () => Promise<Partial<QueueCounts>>;
  /** Whether this process's Redis connection answers. */
  redisUp?: () => Promise<boolean>;
  /** Workers alive in Redis presence. */
  workers?: () => Promise<number>;
  /** Runs waiting at the approval gate. */
  approvalsPending?: () => Promise<number>;
  /** Every registered agent cluster: its live agents and newest beat (FleetPresence.status). */
  fleet?: () => Promise<Array<{ name: string; agents: readonly unknown[]; lastSeen: number | undefined }>>;
}

export interface MetricsOptions extends ScrapeReads {
  /** Node process metrics (memory, event loop lag...); off in tests. */
  processMetrics?: boolean;
  /** For drover_build_info. */
  version?: string;
  /** How long a scrape waits for each Redis read (default 1 s). */
  readTimeoutMs?: number;
  /** Runbook ids this process knows; another id (a forwarded count from an older CLI, a removed runbook) is exported as `other`. */
  knownRunbook?: (id: string) => boolean;
  /** Cluster names this process acts on; another (a forged handover entry) is exported as `other`. */
  knownCluster?: (name: string) => boolean;
}

type Normalise = (labels: Partial<Record<string, string | number>>) => Partial<Record<string, string>>;

/**
 * Makes every increment or observation go through Drover's label
 * normalisation (snake_case, bounded sets), whoever makes it. prom-client sets
 * `inc`/`observe` on the instance in its constructor, so they are wrapped there.
 */
function normalising<M extends Counter<string> | Histogram<string>>(metric: M, normalise: Normalise): M {
  const target = metric as unknown as Record<'inc' | 'observe', ((...args: unknown[]) => void) | undefined>;
  for (const method of ['inc', 'observe'] as const) {
    const original = target[method];
    if (typeof original !== 'function') continue;
    target[method] = (first?: unknown, ...rest: unknown[]) => {
      // Labels as an object (not a bare number, not the exemplar form).
      if (first !== null && typeof first === 'object' && !('exemplarLabels' in first)) return original.call(metric, normalise(first as Record<string, string>), ...rest);
      return original.call(metric, first, ...rest);
    };
  }
  return metric;
}

/** A gauge that exports no sample until it knows its value (a failed read is no value, not 0). */
class OptionalGauge<T extends string> extends Gauge<T> {
  known = false;
  override async get() {
    const metric = await super.get();
    return this.known ? metric : { ...metric, values: [] };
  }
}

// prom-client's defaults that break the naming rules (`_total` on a gauge); nodejs_active_{handles,requests,resources} carry the same by type.
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Drover's Prometheus metrics, on their own registry so several apps can live in one process (tests). */
export function createMetrics(options: MetricsOptions = {}) {
  const registry = new Registry();
  if (options.processMetrics) {
    collectDefaultMetrics({ register: registry, prefix: 'drover_' });
    for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(`drover_${name}`);
  }
  const known = {
    ...(options.knownRunbook ? { runbook: options.knownRunbook } : {}),
    ...(options.knownCluster ? { cluster: options.knownCluster } : {}),
  };
  const readTimeoutMs = options.readTimeoutMs ?? 1000;

  function counter<T extends LabelName>(name: string, help: string, labelNames: readonly T[], code?: (value: string) => string) {
    return normalising(new Counter<T>({ name, help, labelNames, registers: [registry] }), (labels) => normaliseLabels(labels, { known, ...(code ? { code } : {}) }));
  }

  const runs = counter(
    'drover_runs_total',
    'Finished runs by runbook, outcome (succeeded, failed, cancelled, timed_out, rejected, expired) and dry_run, counted by the process that finished them.',
    ['runbook', 'outcome', 'dry_run'],
  );
  const runDuration = normalising(new Histogram<'runbook' | 'outcome'>({
    name: 'drover_run_duration_seconds',
    help: 'Duration of runs a worker finished, from their first start to their end.',
    labelNames: ['runbook', 'outcome'],
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [registry],
  }), (labels) => normaliseLabels(labels, { known }));
  const retries = counter('drover_run_retries_total', 'Attempts that failed with a retryable error and were scheduled again, by runbook and error code (other: a code Drover does not define).', ['runbook', 'code'], errorCodeLabel);
  const runsEnqueued = counter('drover_runs_enqueued_total', 'Runs accepted into the queue, by runbook and requester kind (cli, slack, alert, schedule, system).', ['runbook', 'requester']);
  const k8sCalls = counter('drover_k8s_api_calls_total', 'Kubernetes API calls by cluster, verb and HTTP status code (0: no answer; other: a status the Kubernetes API does not use).', ['cluster', 'verb', 'code'], httpCodeLabel);
  const alerts = counter(
    'drover_alerts_total',
    'Alerts received from Alertmanager, by outcome (enqueued, deduplicated, unmatched, breaker_open, approval_required, denied, resolved, rejected).',
    ['outcome'],
  );
  const remediations = counter('drover_alert_remediations_total', 'Automatic runs by whether their alert cleared (remediated, not_cleared, run_failed).', ['runbook', 'result']);
  const decisions = counter('drover_policy_decisions_total', 'Run requests by policy decision (allowed, approval_required, denied).', ['runbook', 'decision']);
  const approvals = counter('drover_approvals_total', 'Approval actions by outcome (counted, approved, duplicate, refused, rejected, expired, voided).', ['runbook', 'outcome']);
  const scheduleFires = counter(
    'drover_schedule_fires_total',
    "Fires of runbooks' schedules, by runbook and outcome (queued, proposed, skipped: the previous run still unfinished, missed: too late after downtime, denied, limited, rejected).",
    ['runbook', 'outcome'],
  );
  const auditVerifications = counter('drover_audit_verifications_total', 'Periodic verifications of the audit log by this process, by result (ok, broken, error).', ['result']);

  const reads: ScrapeReads = options;
  new Gauge({
    name: 'drover_queue_depth',
    help: 'Jobs in the run queue by state (waiting, active, delayed), read from Redis when scraped.',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      // A failed read leaves no sample rather than the last one.
      this.reset();
      const counts = reads.queueCounts ? await within(reads.queueCounts, readTimeoutMs) : undefined;
      if (!counts) return;
      for (const state of ['waiting', 'active', 'delayed'] as const) this.set({ state }, counts[state] ?? 0);
    },
  });
  new Gauge({
    name: 'drover_redis_up',
    help: "1 when this process's Redis connection answers a PING within the scrape's read timeout, else 0.",
    registers: [registry],
    async collect() {
      this.set(reads.redisUp && (await within(reads.redisUp, readTimeoutMs)) ? 1 : 0);
    },
  });
  const fromRedis = (name: string, help: string, read: (() => Promise<number>) | undefined) => {
    const gauge: OptionalGauge<string> = new OptionalGauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const value = read ? await within(read, readTimeoutMs) : undefined;
        gauge.known = value !== undefined;
        if (value !== undefined) gauge.set(value);
      },
    });
    return gauge;
  };
  fromRedis('drover_workers', 'Workers alive in Redis presence, as seen by this process (no sample when Redis does not answer).', reads.workers);
  fromRedis('drover_approvals_pending', 'Runs waiting at the approval gate, read from Redis when scraped.', reads.approvalsPending);
  fleetGauges(registry, reads.fleet, readTimeoutMs);
  const auditChainValid = new OptionalGauge({
    name: 'drover_audit_chain_valid',
    help: "1 when this process's last periodic verification of the audit log found it intact, 0 when broken or not verifiable (no sample before the first).",
    registers: [registry],
  });
  new Gauge({
    name: 'drover_build_info',
    help: "Drover's version; always 1.",
    labelNames: ['version'] as const,
    registers: [registry],
  }).set({ version: options.version ?? 'unknown' }, 1);

  /** Records the result of one audit verification. */
  function auditVerified(result: 'ok' | 'broken' | 'error'): void {
    auditVerifications.inc({ result });
    auditChainValid.known = true;
    auditChainValid.set(result === 'ok' ? 1 : 0);
  }

  /** The counters by name: what a process that is not scraped hands over (see handover.ts). */
  const counters: Record<string, Counter<string>> = {};
  for (const c of [runs, retries, runsEnqueued, k8sCalls, alerts, remediations, decisions, approvals, scheduleFires, auditVerifications] as Array<Counter<string>>) {
    counters[(c as unknown as { name: string }).name] = c;
  }

  return { registry, counters, runs, runDuration, retries, runsEnqueued, k8sCalls, alerts, remediations, decisions, approvals, scheduleFires, auditVerified };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * drover_fleet_agents and drover_fleet_agent_last_seen_seconds, per registered
 * agent cluster (the registry bounds the label), from one read per scrape.
 */
function fleetGauges(registry: Registry, read: ScrapeReads['fleet'], readTimeoutMs: number): void {
  type Clusters = Awaited<ReturnType<NonNullable<ScrapeReads['fleet']>>>;
  let pending: Promise<Clusters | undefined> | undefined;
  // A scrape collects both gauges at once: the second shares the first's read while it is under way.
  const clusters = (): Promise<Clusters | undefined> => {
    if (!read) return Promise.resolve(undefined);
    if (!pending) {
      const current = within(read, readTimeoutMs);
      pending = current;
      void current.finally(() => {
        if (pending === current) pending = undefined;
      });
    }
    return pending;
  };
  new Gauge({
    name: 'drover_fleet_agents',
    help: 'Live agents of each registered agent cluster (beat within fleet.agentStale), read from Redis when scraped (no sample when Redis does not answer).',
    labelNames: ['cluster'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of (await clusters()) ?? []) this.set({ cluster: c.name }, c.agents.length);
    },
  });
  new Gauge({
    name: 'drover_fleet_agent_last_seen_seconds',
    help: "Seconds since the newest heartbeat of any agent of each registered agent cluster (no sample for a cluster whose agent was never seen).",
    labelNames: ['cluster'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const at = Date.now();
      for (const c of (await clusters()) ?? []) if (c.lastSeen !== undefined) this.set({ cluster: c.name }, Math.max(0, (at - c.lastSeen) / 1000));
    },
  });
}
