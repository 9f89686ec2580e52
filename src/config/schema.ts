import { z } from 'zod';
import { parseDuration } from './duration.js';
import { impersonationSchema } from '../k8s/impersonation-settings.js';
import { allowEntrySchema } from '../outbound/allow-list.js';
import { prometheusSchema } from '../prometheus/settings.js';
import { gitopsSchema } from '../gitops/settings.js';
import { checkPackNames, packSchema } from '../runbook/packs/pack-config.js';

const duration = z
  .union([z.string(), z.number()])
  .refine((v) => parseDuration(v) !== undefined, { message: 'must be a duration such as 30s, 10m, 1h or 7d' })
  .transform((v) => parseDuration(v) ?? 0);

const redisUrl = z
  .string()
  .refine((v) => /^rediss?:\/\//.test(v), { message: 'must be a redis:// or rediss:// URL' });

/**
 * Drover's whole configuration. Every field has a default that works on a
 * developer's machine; production sets REDIS_URL and a kubeconfig or runs in-cluster.
 */
export const configSchema = z
  .object({
    redis: z
      .object({
        url: redisUrl.default('redis://127.0.0.1:6379'),
        /** Prefix of every Redis key Drover writes, so several installations can share one Redis. */
        prefix: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only').default('drover'),
        /** A CA bundle (PEM file) to verify a `rediss://` server with, when its certificate is not from a public CA. */
        caFile: z.string().optional(),
      })
      .strict()
      .default({ url: 'redis://127.0.0.1:6379', prefix: 'drover' }),
    /** Agent clusters (`drover agent`): how the central Drover treats them. */
    fleet: z
      .object({
        /** A run for an agent cluster with no live agent: `fail` at once, or `wait` up to `agentWait` for one. */
        agentAbsent: z.enum(['fail', 'wait']).default('fail'),
        /** How long a queued run waits for its cluster's agent (with `agentAbsent: wait`) before it fails. */
        agentWait: duration.default(300_000),
        /** How often an agent announces itself. */
        heartbeat: duration.default(10_000),
        /** An agent not heard from for this long is gone. */
        agentStale: duration.default(30_000),
      })
      .strict()
      .default({ agentAbsent: 'fail', agentWait: 300_000, heartbeat: 10_000, agentStale: 30_000 }),
    http: z
      .object({
        port: z.coerce.number().int().min(0).max(65535).default(3000),
        host: z.string().default('0.0.0.0'),
      })
      .strict()
      .default({ port: 3000, host: '0.0.0.0' }),
    /** Where runbooks may call out with ctx.http (kept apart from `http`, Drover's own server). */
    outbound: z
      .object({
        /**
         * Hosts runbooks may call with ctx.http: `status.example.com` (https, 443),
         * `tickets.example.com:8443` (https), or `http://10.0.0.5:8080` (an origin with its scheme). Nothing else.
         */
        allow: z.array(allowEntrySchema).default([]),
        /** Longest a ctx.http request may take (a runbook may ask for less). */
        timeout: duration.default(10_000),
        /** Largest ctx.http answer read (bytes); beyond it the request fails as http_too_large. */
        maxResponseBytes: z.coerce.number().int().min(1024).default(1024 * 1024),
      })
      .strict()
      .default({ allow: [], timeout: 10_000, maxResponseBytes: 1024 * 1024 }),
    /** The Prometheus ctx.prometheus queries (per cluster if need be); absent: runbooks' queries fail as prometheus_not_configured. */
    prometheus: prometheusSchema,
    /** GitOps repositories Drover proposes changes to when Argo CD or Flux owns an object (docs/gitops.md). */
    gitops: gitopsSchema,
    clusters: z
      .object({
        /** Kubeconfig files, merged in order as kubectl does. */
        kubeconfig: z.array(z.string()).default([]),
        /** Only these contexts become clusters; empty means every context. */
        allow: z.array(z.string()).default([]),
        /** The cluster a run uses when it names none; defaults to the kubeconfig's current context. */
        default: z.string().optional(),
        /** Name of the cluster Drover runs in, when it has a service account. */
        inClusterName: z.string().default('in-cluster'),
        /** `auto`: a built-in fake cluster when no real one is configured. */
        sandbox: z.enum(['auto', 'on', 'off']).default('auto'),
        /** Timeout of one Kubernetes API request. */
        requestTimeout: duration.default(30_000),
        /** Per cluster: the Kubernetes user and groups runs impersonate (by requester; alert runs use `automation`). */
        impersonation: impersonationSchema,
      })
      .strict()
      .default({ kubeconfig: [], allow: [], inClusterName: 'in-cluster', sandbox: 'auto', requestTimeout: 30_000, impersonation: {} }),
    runbooks: z
      .object({
        dir: z.string().default('runbooks'),
        /** The name of the pack in `dir` (Drover's shipped runbooks by default). */
        name: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be kebab-case').default('drover'),
        /** More packs of runbooks: a directory, an npm package or a git repository at a pinned commit (docs/packs.md). */
        packs: z.array(packSchema).default([]),
        /** Where git packs are fetched to; default ~/.cache/drover/packs (outside the checkout). */
        packCacheDir: z.string().optional(),
        /** Reload runbooks when their files change (always on for `drover start`). */
        watch: z.boolean().default(false),
        /** Where runbooks compiled from TypeScript are kept; default node_modules/.cache/drover/runbooks, else a private temp dir. */
        cacheDir: z.string().optional(),
      })
      .strict()
      .superRefine((r, ctx) => checkPackNames(r.packs, r.name, ctx))
      .default({ dir: 'runbooks', name: 'drover', packs: [], watch: false }),
    worker: z
      .object({
        concurrency: z.coerce.number().int().min(1).max(256).default(4),
        /** How long a job's lock lives without renewal; a crashed worker's runs resume after about this long. */
        lockDuration: duration.default(30_000),
      })
      .strict()
      .default({ concurrency: 4, lockDuration: 30_000 }),
    jobs: z
      .object({
        /** Attempts for retryable failures (409, 429, 5xx, network), the first included. */
        attempts: z.coerce.number().int().min(1).max(50).default(5),
        backoff: duration.default(1000),
        maxBackoff: duration.default(60_000),
        /** Timeout of a run whose runbook declares none. */
        defaultTimeout: duration.default(600_000),
        /** How long finished runs, their steps and events are kept. */
        retention: duration.default(7 * 86_400_000),
      })
      .strict()
      .default({ attempts: 5, backoff: 1000, maxBackoff: 60_000, defaultTimeout: 600_000, retention: 7 * 86_400_000 }),
    audit: z
      .object({
        /** Events the Redis stream keeps; older ones are removed and the chain re-anchored. */
        maxLength: z.coerce.number().int().min(1000).default(1_000_000),
        /** Mirror every event as a JSON line to this file (appended), for log shipping. */
        file: z.string().optional(),
        /** Mirror every event as a JSON line to standard output. */
        stdout: z.coerce.boolean().default(false),
        /** Events older than this are removed (and the chain re-anchored); absent keeps them until maxLength. */
        maxAge: duration.optional(),
        /** Secret that keys the chain (HMAC-SHA256) and signs checkpoints; absent: an unkeyed chain, reported as such. */
        key: z.string().min(32, 'must be at least 32 characters (openssl rand -hex 32)').optional(),
        /** Or a file holding that secret (a mounted Kubernetes Secret). */
        keyFile: z.string().optional(),
        /** Unkeyed events up to this seq were written before the key was set: verify accepts them, and says so. */
        acceptUnkeyedThrough: z.coerce.number().int().min(0).optional(),
        /** How often a signed checkpoint of the chain goes to the audit file and standard output. */
        checkpointInterval: duration.default(60_000),
        /** How often a serving process verifies the audit log (drover_audit_chain_valid); 0: never. Only new events are read, and the whole log once a day. */
        verifyInterval: duration.default(300_000),
      })
      .strict()
      .default({ maxLength: 1_000_000, stdout: false, checkpointInterval: 60_000, verifyInterval: 300_000 }),
    policy: z
      .object({
        /** Policy file (YAML or JSON): who may run what, and what needs approval. Absent: deny all (sandbox excepted). */
        file: z.string().optional(),
      })
      .strict()
      .default({}),
    approvals: z
      .object({
        /** Slack channel id where proposals made outside Slack (CLI) are posted for approval. */
        channel: z.string().optional(),
        /** How long a proposal waits when neither policy nor runbook says. */
        timeout: duration.default(900_000),
      })
      .strict()
      .default({ timeout: 900_000 }),
    slack: z
      .object({
        /** Bot token (xoxb-…); Slack is off without it. */
        botToken: z.string().regex(/^xoxb-/, 'must be a bot token (xoxb-…)').optional(),
        /** Verifies that HTTP requests come from Slack (HTTP mode). */
        signingSecret: z.string().min(1).optional(),
        /** App-level token (xapp-…) with connections:write, for Socket Mode. */
        appToken: z.string().regex(/^xapp-/, 'must be an app-level token (xapp-…)').optional(),
        /** Web API base URL; Slack's own by default (GovSlack and tests set it). */
        apiUrl: z.url().optional(),
        /** `auto`: Socket Mode when an app token is set, else HTTP. */
        mode: z.enum(['auto', 'http', 'socket']).default('auto'),
        command: z.string().regex(/^\/[a-z0-9_-]+$/, 'must be a slash command such as /drover').default('/drover'),
        /** Runbook id glob → channel ids it may be run from. */
        channels: z.record(z.string(), z.array(z.string())).default({}),
        /** Least time between two messages to one channel. */
        minInterval: duration.default(1000),
      })
      .strict()
      .default({ mode: 'auto', command: '/drover', channels: {}, minInterval: 1000 })
      .superRefine((s, ctx) => {
        const socket = s.mode === 'socket' || (s.mode === 'auto' && s.appToken !== undefined);
        if (!s.botToken) {
          if (s.signingSecret || s.appToken) ctx.addIssue({ code: 'custom', path: ['botToken'], message: 'is required when a signing secret or app token is set' });
          return;
        }
        if (socket && !s.appToken) ctx.addIssue({ code: 'custom', path: ['appToken'], message: 'is required for Socket Mode' });
        if (!socket && !s.signingSecret) ctx.addIssue({ code: 'custom', path: ['signingSecret'], message: 'is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)' });
      }),
    alerts: z
      .object({
        /** Bearer token Alertmanager sends (http_config.authorization). */
        webhookToken: z.string().min(16, 'must be at least 16 characters').optional(),
        /** Or basic auth (http_config.basic_auth). */
        webhookUsername: z.string().min(1).optional(),
        webhookPassword: z.string().min(12, 'must be at least 12 characters').optional(),
        /** Largest webhook body accepted (413 beyond). */
        maxBodyBytes: z.coerce.number().int().min(1024).default(1024 * 1024),
        /** Slack channel id for announcements of automatic runs and escalations. */
        channel: z.string().optional(),
        /** Slack channel id where alerts no runbook matches are posted. */
        unmatchedChannel: z.string().optional(),
        /** Label naming the cluster an alert comes from; absent means the default cluster. */
        clusterLabel: z.string().default('cluster'),
        /** After a remediation, how long Drover waits for the alert to resolve. */
        watchFor: duration.default(600_000),
        /** Circuit breaker of a runbook that declares none: runs per target per window, and a cooldown. */
        defaultMaxRuns: z.coerce.number().int().min(1).default(3),
        defaultWindow: duration.default(3_600_000),
        defaultCooldown: duration.default(300_000),
        /** Global cap of automatic runs per cluster per window. */
        clusterMaxRuns: z.coerce.number().int().min(1).default(20),
        clusterWindow: duration.default(600_000),
        /** Alertmanager's base URL, for silences and to ask whether an alert still fires. */
        alertmanagerUrl: z.url().optional(),
        /** Bearer token for Alertmanager's API, if it sits behind an authenticating proxy. */
        alertmanagerToken: z.string().min(1).optional(),
      })
      .strict()
      .default({
        maxBodyBytes: 1024 * 1024,
        clusterLabel: 'cluster',
        watchFor: 600_000,
        defaultMaxRuns: 3,
        defaultWindow: 3_600_000,
        defaultCooldown: 300_000,
        clusterMaxRuns: 20,
        clusterWindow: 600_000,
      })
      .superRefine((a, ctx) => {
        if ((a.webhookUsername === undefined) !== (a.webhookPassword === undefined)) {
          ctx.addIssue({ code: 'custom', path: ['webhookPassword'], message: 'basic auth needs both a username and a password' });
        }
      }),
    redaction: z
      .object({
        /** Regular expressions whose matches are secrets too (beyond tokens, keys and passwords Drover knows). */
        patterns: z
          .array(
            z.string().refine(
              (p) => {
                try {
                  new RegExp(p, 'g');
                  return true;
                } catch {
                  return false;
                }
              },
              { message: 'must be a valid regular expression' },
            ),
          )
          .default([]),
      })
      .strict()
      .default({ patterns: [] }),
    log: z
      .object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
  })
  .strict();

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
