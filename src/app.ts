import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { errorMessage } from './errors.js';
import type { Logger } from 'pino';
import { AuditLog } from './audit/audit-log.js';
import { auditKey as keyFrom, type AuditKey } from './audit/audit-key.js';
import { AuditShipper } from './audit/audit-shipper.js';
import type { AuditSink } from './audit/sink.js';
import type { AuditEvent } from './audit/events.js';
import type { Config } from './config/schema.js';
import { addHealthRoutes } from './http/health-routes.js';
import { RedisAvailability } from './http/redis-availability.js';
import { Router } from './http/router.js';
import { Presence } from './jobs/presence.js';
import { RunQueue } from './jobs/run-queue.js';
import { RunStore } from './jobs/run-store.js';
import type { RunWorker, K8sOpsFactory } from './jobs/run-worker.js';
import type { SuspensionSweeper } from './gitops/suspension-sweeper.js';
import { ctxServicesFrom, type CtxServicesFactory } from './jobs/ctx-services.js';
import { resolverFor, type ClusterRegistry, type ClusterResolver } from './k8s/clusters.js';
import { checkIdentity, identityFor, sameListedUser } from './k8s/impersonation.js';
import { createMetrics } from './metrics/metrics.js';
import { AuditVerifier } from './metrics/audit-verifier.js';
import { CountHandover } from './metrics/handover.js';
import { droverVersion } from './metrics/version.js';
import { within } from './metrics/bounded.js';
import { proposalExpiryKey } from './jobs/run-store.js';
import { Redactor } from './redact/redactor.js';
import type { Tracer } from '@opentelemetry/api';
import { tracedRoute } from './tracing/http-server-span.js';
import type { RunbookRegistry } from './runbook/registry.js';
import { ChannelPolicy } from './chat/channel-policy.js';
import { ChatCommands } from './chat/chat-commands.js';
import { createSlackApp, type SlackSettings } from './slack/slack-app.js';
import { SlackAlertAnnouncer } from './slack/alert-announcer.js';
import { silentAnnouncer, type AlertAnnouncer } from './alertmanager/alert-announcer.js';
import { AlertIntake } from './alertmanager/alert-intake.js';
import { AlertRoutes } from './alertmanager/alert-routes.js';
import { CircuitBreakers } from './alertmanager/circuit-breaker.js';
import { RemediationWatch } from './alertmanager/remediation-watch.js';
import { WEBHOOK_PATH, webhookHandler } from './alertmanager/webhook-route.js';
import { createAlertmanagerClient } from './alertmanager/am-client.js';
import { alertmanagerSilences } from './alertmanager/silences.js';
import { Approvals } from './approvals/approvals.js';
import { ProposalStore } from './approvals/proposal-store.js';
import { RunGate } from './approvals/run-gate.js';
import { policyFrom, type PolicySource } from './policy/index.js';
import { usergroupMembers } from './slack/usergroup-members.js';
import type { RunRecord } from './jobs/run-record.js';
import { runMessage } from './chat/blocks/index.js';
import { Schedules } from './schedules/schedules.js';
import { ScheduleState } from './schedules/schedule-state.js';
import { createCentralFleet } from './fleet/central-fleet.js';
import { AbsentAgentSweeper } from './fleet/agent-absent.js';
import { bindingKeyIn } from './approvals/binding-key.js';
import { createRollouts } from './fleet/rollout/create-rollouts.js';
import { RolloutChat } from './fleet/rollout/rollout-chat.js';
import { RolloutController } from './fleet/rollout/rollout-controller.js';
import { rolloutSlack } from './fleet/rollout/rollout-slack.js';

export type { PolicySource } from './policy/index.js';

/** Slack settings from the configuration, or undefined when Slack is not configured. */
export function slackSettingsFrom(slack: Config['slack']): SlackSettings | undefined {
  if (!slack.botToken) return undefined;
  const mode = slack.mode === 'auto' ? (slack.appToken ? 'socket' : 'http') : slack.mode;
  return {
    mode,
    botToken: slack.botToken,
    command: slack.command,
    minIntervalMs: slack.minInterval,
    ...(slack.signingSecret ? { signingSecret: slack.signingSecret } : {}),
    ...(slack.appToken ? { appToken: slack.appToken } : {}),
    ...(slack.apiUrl ? { apiUrl: slack.apiUrl } : {}),
  };
}

export interface DroverDeps {
  config: Config;
  /**
   * Drover's own connection (runs, audit, locks); `maxRetriesPerRequest: null`.
   * Best with `enableAutoPipelining`: the commands of concurrent runs issued in
   * one tick then go out in one write.
   */
  redis: Redis;
  /**
   * BullMQ's connection (it duplicates it for blocking reads). By default
   * `redis`, or a duplicate of it without auto-pipelining when `redis` has it:
   * BullMQ is not tested with auto-pipelining.
   */
  queueConnection?: Redis;
  logger: Logger;
  runbooks: RunbookRegistry;
  /** The clusters this process acts on; needed to run a worker. */
  clusters?: ClusterRegistry;
  /** Builds ctx.k8s; defaults to the real client on `clusters`. */
  k8s?: K8sOpsFactory;
  /** Builds ctx.prometheus and ctx.http; defaults to the configuration's `prometheus` and `outbound.allow`. */
  services?: CtxServicesFactory;
  /** Checks cluster names at submission; defaults to `clusters`, else to live workers' announcements. */
  clusterResolver?: ClusterResolver;
  /** BullMQ queue name; tests use a fresh one each. */
  queueName?: string;
  /** Node process metrics on /metrics. */
  processMetrics?: boolean;
  /**
   * This process is not scraped (the CLI): what it counts is handed over
   * through Redis to a serving process, which counts it when scraped.
   */
  handOverCounts?: boolean;
  /** For drover_build_info; defaults to package.json's. */
  version?: string;
  /** Asks Alertmanager whether an alert still fires, for the remediation check. */
  isFiring?: (fingerprint: string, labels: Record<string, string>) => Promise<boolean | undefined>;
  /** Mirror of audit events (for example to stdout for log shipping). */
  auditMirror?: (event: AuditEvent) => void;
  /** Keys the audit chain; defaults to `audit.key` (a key file is read by the caller). */
  auditKey?: AuditKey;
  /** Copies of the audit log outside Redis (the audit file, stdout), filled by one serving process at a time. */
  auditSinks?: AuditSink[];
  /** Who may run what; without it every run is denied. */
  policy?: PolicySource;
  /** Traces alerts and commands through the queue to each step and Kubernetes call (see createTracing); absent: off. */
  tracer?: Tracer;
  /**
   * Takes Slack's requests and Alertmanager's webhook (default true). False for
   * `drover worker`: the pods that hold Kubernetes credentials answer no
   * inbound request but /metrics, /healthz and /readyz.
   */
  inbound?: boolean;
  now?: () => Date;
}

const knownIn = (names: ReadonlySet<string>) => (name: string) => names.has(name);

/**
 * Wires Drover from explicit dependencies. Opens no port and starts nothing:
 * `main.ts` (or a test) listens on `router.listener` and calls `startWorker()`.
 */
export function createDrover(deps: DroverDeps) {
  const { config, redis, logger } = deps;
  const prefix = config.redis.prefix;
  const ownQueueConnection = !deps.queueConnection && redis.options.enableAutoPipelining ? redis.duplicate({ enableAutoPipelining: false }) : undefined;
  const queueConnection = deps.queueConnection ?? ownQueueConnection ?? redis;
  const now = deps.now ?? (() => new Date());
  const redactor = new Redactor(config.redaction.patterns);
  const store = new RunStore({ redis, prefix, now, redactor });
  const auditKey = deps.auditKey ?? (config.audit.key ? keyFrom(config.audit.key) : undefined);
  const audit = new AuditLog({
    redis,
    prefix,
    maxLength: config.audit.maxLength,
    now,
    redactor,
    ...(auditKey ? { key: auditKey } : {}),
    ...(config.audit.acceptUnkeyedThrough !== undefined ? { acceptUnkeyedThrough: config.audit.acceptUnkeyedThrough } : {}),
    ...(deps.auditMirror ? { mirror: deps.auditMirror } : {}),
  });
  const presence = new Presence(redis, prefix);
  // Gauges read Redis when /metrics is scraped; not at all while it is away (a command would wait in the offline queue).
  const whenUp = <T>(read: () => Promise<T>) => () => (redis.status === 'ready' ? read() : Promise.reject(new Error(`Redis ${redis.status}`)));
  const metrics = createMetrics({
    processMetrics: deps.processMetrics ?? false,
    version: deps.version ?? droverVersion(),
    knownRunbook: (id) => deps.runbooks.has(id),
    // The clusters this process acts on; one without any counts no call of its own (only a forged handover entry would name one).
    ...(deps.clusters ? { knownCluster: knownIn(new Set(deps.clusters.names())) } : deps.k8s ? {} : { knownCluster: () => false }),
    queueCounts: whenUp(() => queue.queue.getJobCounts('waiting', 'active', 'delayed')),
    redisUp: whenUp(async () => (await redis.ping()) === 'PONG'),
    workers: whenUp(async () => (await presence.workers()).length),
    approvalsPending: whenUp(() => redis.zcard(proposalExpiryKey(prefix))),
    fleet: whenUp(() => fleet.presence.status()),
  });
  const handover = new CountHandover(redis, prefix, metrics);
  const handoverTimer = deps.handOverCounts ? setInterval(() => void handover.flush().catch(() => undefined), 5000).unref() : undefined;
  const clusters = deps.clusters;
  // Agent clusters: their runs go to their own queue, for the agent in that cluster.
  const fleet = createCentralFleet({ redis, prefix, config, audit, logger, metrics, now });
  // Runs waiting for an agent that does not come back fail after fleet.agentWait.
  const absentAgents = new AbsentAgentSweeper({ redis, connection: queueConnection, prefix, presence: fleet.presence, store, audit, waitMs: config.fleet.agentWait, retentionMs: config.jobs.retention, metrics, logger });
  const clusterResolver = fleet.resolver(deps.clusterResolver ?? (clusters ? resolverFor(clusters) : presence.resolver(config.clusters.default)));
  const queue = new RunQueue({
    connection: queueConnection,
    prefix,
    ...(deps.queueName ? { queueName: deps.queueName } : {}),
    runbooks: deps.runbooks,
    store,
    audit,
    clusters: clusterResolver,
    metrics,
    attempts: config.jobs.attempts,
    defaultTimeoutMs: config.jobs.defaultTimeout,
    retentionMs: config.jobs.retention,
    onError: (err) => logger.warn({ err: err.message }, 'queue connection error'),
    tracer: deps.tracer,
    fleet: fleet.routing,
    now,
  });

  /** Builds ctx.k8s. The Kubernetes client is imported by a process that runs a worker, not by every one. */
  async function k8sFactory(): Promise<K8sOpsFactory | undefined> {
    if (deps.k8s) return deps.k8s;
    if (!clusters) return undefined;
    const { createK8sOps } = await import('./k8s/ops.js');
    return ({ cluster, dryRun, hooks, requester }) =>
      createK8sOps({
        cluster,
        kubeConfig: clusters.get(cluster).kubeConfig,
        dryRun,
        hooks,
        requestTimeoutMs: config.clusters.requestTimeout,
        impersonate: identityFor(config.clusters.impersonation, cluster, requester),
      });
  }

  const router = new Router((err, req) => logger.error({ err, url: req.url }, 'request failed'));
  const availability = new RedisAvailability(redis);
  addHealthRoutes(router, {
    // Label values are shown to whoever scrapes: the exposition goes through the redactor like any other sink.
    metrics: {
      contentType: metrics.registry.contentType,
      text: async () => {
        // Counts the CLI handed over become this process's before the counters are read.
        if (!deps.handOverCounts) await within(whenUp(() => handover.drain()), 1000);
        return redactor.text(await metrics.registry.metrics());
      },
    },
    // Not connected is known at once; a ping would wait in the offline queue.
    readiness: [
      {
        name: 'redis',
        check: async () => {
          if (!(await availability.ready())) throw new Error(`not connected (${redis.status})`);
          return (await redis.ping()) === 'PONG';
        },
      },
      {
        // A worker announces its clusters once started: until then a run submitted here could find no cluster.
        name: 'worker',
        check: () => {
          if (workersStarting > 0) throw new Error('the worker is starting');
          return Promise.resolve(true);
        },
      },
    ],
  });

  /** Starts a worker in this process and announces its clusters. */
  async function startOneWorker(overrides: { concurrency?: number; lockDurationMs?: number; stalledIntervalMs?: number; id?: string }) {
    const k8s = await k8sFactory();
    if (!k8s) throw new Error('A worker needs clusters (or a k8s factory).');
    const [{ RunWorker }, { TargetLocks }, { gitopsFromConfig }] = await Promise.all([
      import('./jobs/run-worker.js'),
      import('./jobs/target-lock.js'),
      import('./gitops/gitops-from-config.js'),
    ]);
    const worker = new RunWorker({
      connection: queueConnection,
      redis,
      prefix,
      ...(deps.queueName ? { queueName: deps.queueName } : {}),
      runbooks: deps.runbooks,
      store,
      audit,
      locks: new TargetLocks(redis, prefix),
      k8s,
      logger,
      metrics,
      concurrency: overrides.concurrency ?? config.worker.concurrency,
      lockDurationMs: overrides.lockDurationMs ?? config.worker.lockDuration,
      ...(overrides.stalledIntervalMs ? { stalledIntervalMs: overrides.stalledIntervalMs } : {}),
      backoffMs: config.jobs.backoff,
      maxBackoffMs: config.jobs.maxBackoff,
      retentionMs: config.jobs.retention,
      proposals,
      // This process's own policy: a run queued by a process with another (a CLI's own DROVER_POLICY) is checked again.
      check: { policy, samePerson: (a, b) => sameListedUser(config.clusters.impersonation, a, b) },
      tracer: deps.tracer,
      services: deps.services ?? ctxServicesFrom(config),
      // Objects Argo CD or Flux own follow their GitOps mode (docs/gitops.md).
      gitops: gitopsFromConfig(config.gitops, policy, now),
      now,
    });
    await worker.start();
    workers.push(worker);
    if (!suspensions && clusters) {
      // Reconcilers a `suspend` run left suspended (cancelled, lost) are resumed once their window is over.
      const { workerSuspensionSweeper } = await import('./gitops/suspension-sweeper.js');
      suspensions = workerSuspensionSweeper({ clusters: () => clusters.names(), k8s, runs: store, audit, logger, pollIntervalMs: config.gitops.pollInterval, now });
      suspensions.start();
    }
    // One announcement per process: its workers serve the same clusters.
    if (clusters && !presenceId) {
      presenceId = overrides.id ?? `${process.pid}-${randomBytes(3).toString('hex')}`;
      await presence.announce({
        id: presenceId,
        clusters: clusters.names(),
        ...(clusters.defaultName ? { defaultCluster: clusters.defaultName } : {}),
        runbooks: deps.runbooks.list().map((r) => r.id),
      });
    }
    return worker;
  }

  let workersStarting = 0;
  const workers: RunWorker[] = [];
  let suspensions: SuspensionSweeper | undefined;
  let presenceId: string | undefined;
  /** Stops announcing this process's clusters, once it runs no worker. */
  async function withdraw(): Promise<void> {
    if (!presenceId) return;
    const id = presenceId;
    presenceId = undefined;
    await presence.withdraw(id).catch(() => undefined);
  }

  /** Clusters runs may name: this process's own, else those live workers announce. */
  async function listClusters(): Promise<{ names: string[]; defaultName?: string }> {
    const agents = [...(await fleet.registry.all()).keys()];
    const withAgents = (known: { names: string[]; defaultName?: string }) => ({ ...known, names: [...new Set([...known.names, ...agents])].sort() });
    if (clusters) return withAgents({ names: clusters.names(), ...(clusters.defaultName ? { defaultName: clusters.defaultName } : {}) });
    const live = await presence.workers();
    // No worker running: the clusters they last served (a run waits for one).
    if (!live.length) return withAgents(await presence.known());
    const names = [...new Set(live.flatMap((w) => w.clusters))].sort();
    const defaultName = live.find((w) => w.defaultCluster)?.defaultCluster;
    return withAgents({ names, ...(defaultName ? { defaultName } : {}) });
  }

  // Slack user groups in the policy are resolved through the Slack app, created below;
  // without Slack they are reported as not resolved (and count as no members).
  const slackSettings = slackSettingsFrom(config.slack);
  let lookupGroup: ((id: string) => Promise<string[]>) | undefined;
  const policy = policyFrom(deps.policy, {
    defaultTimeoutMs: config.approvals.timeout,
    ...(slackSettings ? { groupMembers: (id: string) => (lookupGroup ? lookupGroup(id) : Promise.reject(new Error('the Slack app is not started'))) } : {}),
  });
  const proposals = new ProposalStore(redis, prefix, store, audit);
  const gate = new RunGate({
    queue,
    runbooks: deps.runbooks,
    policy,
    audit,
    metrics,
    checkIdentity: (cluster, requester) => checkIdentity(config.clusters.impersonation, cluster, requester),
  });
  const approvals = new Approvals({
    proposals,
    store,
    queue,
    runbooks: deps.runbooks,
    policy,
    audit,
    logger,
    metrics,
    retentionMs: config.jobs.retention,
    now,
    // One person under two names (a Slack id and cli:<user> mapped to one Kubernetes user) never approves their own run.
    samePerson: (a, b) => sameListedUser(config.clusters.impersonation, a, b),
  });

  // Fleet rollouts: one runbook on the agent clusters a label selector picks, in batches (src/fleet/rollout/).
  const rollouts = createRollouts({ config, queue, gate, store, policy, runbooks: deps.runbooks, audit, fleet }, redis, now);
  // Set once Slack is built: a rollout asked for there is shown in one message, updated as it goes.
  let rolloutUpdates: ReturnType<typeof rolloutSlack> | undefined;
  const rolloutChat = new RolloutChat({ rollouts, command: config.slack.command, onChange: (r, news) => rolloutUpdates?.progress(r, news) ?? Promise.resolve() });
  const rolloutController = new RolloutController({ rollouts, logger, onProgress: (r, news) => rolloutUpdates?.progress(r, news) });

  const chat = new ChatCommands({
    rollouts: rolloutChat,
    // `schedules` is built below; it is there by the time a command arrives.
    drover: { queue, gate, approvals, store, runbooks: deps.runbooks, listClusters, listSchedules: () => schedules.list() },
    listFleet: () => fleet.presence.status(),
    channels: new ChannelPolicy(config.slack.channels),
    command: config.slack.command,
    audit,
    tracer: deps.tracer,
  });
  const slack = slackSettings
    ? createSlackApp({
        settings: slackSettings,
        commands: chat,
        store,
        redis,
        prefix,
        logger,
        redactor,
        listClusters,
        onRolloutPosted: (id, channel, ts) => rolloutUpdates?.posted(id, channel, ts) ?? Promise.resolve(),
      })
    : undefined;
  if (slack) rolloutUpdates = rolloutSlack({ out: slack.out, redactor, store: rollouts.deps.store, logger });
  const inbound = deps.inbound !== false;
  if (inbound && slack?.requestListener) router.add('POST', '/slack/events', tracedRoute(deps.tracer, 'POST', '/slack/events', slack.requestListener));
  if (slack) {
    const members = usergroupMembers(slack.client);
    // The policy counts a failed lookup as "not a member"; the reason belongs in the logs.
    lookupGroup = (id) =>
      members(id).catch((err: unknown) => {
        logger.warn({ err: errorMessage(err), usergroup: id }, 'Slack user group lookup failed (usergroups:read scope?)');
        throw err;
      });
  }

  const alertSettings = config.alerts;
  const alertmanager = alertSettings.alertmanagerUrl
    ? createAlertmanagerClient({ baseUrl: alertSettings.alertmanagerUrl, ...(alertSettings.alertmanagerToken ? { bearerToken: alertSettings.alertmanagerToken } : {}) })
    : undefined;
  const silences = alertmanager ? alertmanagerSilences(alertmanager) : undefined;
  const isFiring = deps.isFiring ?? alertmanager?.isFiring;
  const announcer: AlertAnnouncer = slack
    ? new SlackAlertAnnouncer(slack.out, slack.notifier, redactor, alertSettings.channel, alertSettings.unmatchedChannel)
    : silentAnnouncer;
  const watch = new RemediationWatch({
    redis,
    prefix,
    store,
    audit,
    metrics,
    announcer: () => announcer,
    logger,
    watchForMs: alertSettings.watchFor,
    retentionMs: config.jobs.retention,
    ...(isFiring ? { isFiring } : {}),
    ...(silences ? { silences } : {}),
  });
  const intake = new AlertIntake({
    routes: new AlertRoutes(deps.runbooks),
    queue,
    store,
    audit,
    metrics,
    redis,
    prefix,
    breakers: new CircuitBreakers(redis, prefix),
    watch,
    announcer: () => announcer,
    logger,
    ...(silences ? { silences } : {}),
    gate,
    settings: {
      clusterLabel: alertSettings.clusterLabel,
      defaultMaxRuns: alertSettings.defaultMaxRuns,
      defaultWindowMs: alertSettings.defaultWindow,
      defaultCooldownMs: alertSettings.defaultCooldown,
      clusterMaxRuns: alertSettings.clusterMaxRuns,
      clusterWindowMs: alertSettings.clusterWindow,
      retentionMs: config.jobs.retention,
    },
  });
  const webhook = webhookHandler({
    intake,
    credentials: {
      ...(alertSettings.webhookToken ? { token: alertSettings.webhookToken } : {}),
      ...(alertSettings.webhookUsername ? { username: alertSettings.webhookUsername } : {}),
      ...(alertSettings.webhookPassword ? { password: alertSettings.webhookPassword } : {}),
    },
    maxBodyBytes: alertSettings.maxBodyBytes,
    logger,
    metrics,
    audit,
    redis: availability,
  });
  // With tracing on, each delivery is an HTTP server span: the root of the traces of the runs it queues.
  if (inbound) router.add('POST', WEBHOOK_PATH, tracedRoute(deps.tracer, 'POST', WEBHOOK_PATH, webhook));

  /**
   * Posts a proposal made outside Slack (CLI, a schedule) to the approvals channel, where
   * the serving process keeps its message up to date. Returns the channel, or
   * undefined when Slack or the channel is not configured.
   */
  async function announceProposal(run: RunRecord): Promise<string | undefined> {
    const channel = config.approvals.channel;
    if (!slack || !channel) return undefined;
    const ts = await slack.out.post(channel, redactor.chat(runMessage(redactor.value(run), { cancellable: false })));
    if (ts) await slack.notifier.follow(run.id, channel, ts, run.state, { claim: false });
    return `<#${channel}>`;
  }

  // Runbooks' schedules: BullMQ job schedulers whose fires go through the gate as `schedule:<runbook>/<name>`.
  const schedules = new Schedules({
    connection: queueConnection,
    prefix,
    ...(deps.queueName ? { queueName: `${deps.queueName}-schedules` } : {}),
    redis,
    queue,
    gate,
    store,
    audit,
    metrics,
    runbooks: deps.runbooks,
    state: new ScheduleState(redis, prefix),
    breakers: new CircuitBreakers(redis, prefix),
    cluster: { maxRuns: alertSettings.clusterMaxRuns, windowMs: alertSettings.clusterWindow },
    announceProposal,
    policy,
    logger,
    now,
  });

  let retention: NodeJS.Timeout | undefined;
  let outboxDrain: NodeJS.Timeout | undefined;
  const shipper = deps.auditSinks?.length
    ? new AuditShipper({
        redis,
        streamKey: audit.key,
        sinks: deps.auditSinks,
        key: auditKey,
        checkpointIntervalMs: config.audit.checkpointInterval,
        now,
        onError: (sink, message) => logger.error({ sink }, `audit copy: ${message}`),
        // Standard output carries checkpoints itself when it is a sink; otherwise they go there as a log line.
        ...(config.audit.stdout ? {} : { onCheckpoint: (checkpoint) => logger.info({ auditCheckpoint: checkpoint }, 'audit checkpoint') }),
      })
    : undefined;
  let shipping = false;
  const auditVerifier = new AuditVerifier({
    redis,
    keys: { stream: audit.key, head: audit.headKey, anchor: audit.anchorKey },
    key: auditKey,
    acceptUnkeyedThrough: config.audit.acceptUnkeyedThrough,
    onResult: (result, detail) => {
      metrics.auditVerified(result);
      if (result === 'broken') logger.error({ audit: (detail as { broken?: unknown }).broken }, 'audit log verification failed: run `drover audit verify` for the details');
      if (result === 'error') logger.warn({ err: detail }, 'audit log verification could not run');
    },
  });

  return {
    config,
    /** The one redactor: chat, the terminal, the CLI, /metrics and the audit log take only its output. */
    redactor,
    store,
    chat,
    slack,
    alerts: { intake, watch },
    audit,
    metrics,
    presence,
    /** Agent clusters: registry, presence, relay. */
    fleet,
    /** Fleet rollouts (drover rollout, /drover rollout); their controller runs with startHousekeeping. */
    rollouts,
    queue,
    gate,
    approvals,
    policy,
    router,
    runbooks: deps.runbooks,
    clusters,
    listClusters,
    /**
     * Starts the periodic work of a serving process: the remediation watch,
     * proposal expiry, the audit outbox, and retention (audit events by age, the run indexes'
     * entries of expired runs). Several processes may run it.
     */
    startHousekeeping() {
      watch.start();
      approvals.start();
      rolloutController.start();
      if (retention) return;
      // Agents only read the approval binding key: it exists once a central process has started.
      void bindingKeyIn(redis, prefix)().catch((err: unknown) => logger.warn({ err }, 'approval binding key not made'));
      void fleet.relay.start().catch((err: unknown) => logger.warn({ err }, 'fleet relay did not start'));
      absentAgents.start();
      auditVerifier.start(config.audit.verifyInterval);
      if (!auditKey) logger.warn('no audit key (DROVER_AUDIT_KEY): the audit chain is plain SHA-256, which whoever can write Redis can recompute');
      if (shipper) {
        shipping = true;
        shipper.start(1000, (err) => logger.warn({ err }, 'audit copy failed'));
      }
      // Audit events whose process died after the change they record and before appending them;
      // not before a Kubernetes request held there could still be waiting for its answer.
      const settleMs = Math.max(120_000, 2 * config.clusters.requestTimeout);
      const drain = () =>
        void audit.outbox
          .drain(new Date(now().getTime() - settleMs))
          .then((n) => n && logger.warn({ events: n }, 'appended audit events a process left behind'))
          .catch((err: unknown) => logger.warn({ err }, 'audit outbox drain failed'));
      outboxDrain = setInterval(drain, 5000);
      outboxDrain.unref();
      const prune = async () => {
        const maxAge = config.audit.maxAge;
        if (maxAge) await audit.prune(maxAge);
        await store.pruneIndex(config.jobs.retention);
        await rollouts.deps.store.pruneIndex(config.jobs.retention);
        for (const runbook of deps.runbooks.list()) await store.pruneIndex(config.jobs.retention, runbook.id);
      };
      const run = () => void prune().catch((err: unknown) => logger.warn({ err }, 'retention failed'));
      retention = setInterval(run, 60_000);
      retention.unref();
      run();
    },
    announceProposal,
    /** The runbooks' schedules: `schedules.start()` in a serving process, `schedules.list()` for `drover schedules`. */
    schedules,
    /** Starts a worker in this process; needs clusters. */
    async startWorker(overrides: { concurrency?: number; lockDurationMs?: number; stalledIntervalMs?: number; id?: string } = {}) {
      // Counted before the first await: /readyz says not ready from the moment a worker is asked for.
      workersStarting += 1;
      try {
        return await startOneWorker(overrides);
      } finally {
        workersStarting -= 1;
      }
    },
    /** Stops this process's workers, letting runs in progress finish. */
    async stopWorkers() {
      await suspensions?.stop();
      suspensions = undefined;
      await withdraw();
      await Promise.all(workers.splice(0).map((w) => w.close()));
    },

    /** Stops workers (letting runs in progress finish) and closes the queue. Does not close `redis`. */
    async close() {
      watch.stop();
      approvals.stop();
      auditVerifier.stop();
      if (handoverTimer) clearInterval(handoverTimer);
      // A CLI's counts, before it exits; bounded, for a Redis that went away.
      if (deps.handOverCounts) await within(() => handover.flush(), 2000);
      if (retention) clearInterval(retention);
      if (outboxDrain) clearInterval(outboxDrain);
      await fleet.relay.stop();
      await absentAgents.stop();
      await suspensions?.stop();
      await rolloutController.close();
      await withdraw();
      await slack?.stop();
      await Promise.all(workers.map((w) => w.close()));
      await schedules.close();
      await queue.close();
      if (ownQueueConnection) await ownQueueConnection.quit().catch(() => ownQueueConnection.disconnect());
      // Last: what the workers appended while finishing is copied too.
      if (shipping) await shipper?.stop();
    },
  };
}

export type Drover = ReturnType<typeof createDrover>;
