/**
 * The `prometheus` settings: where ctx.prometheus sends its queries, with
 * which credentials, per cluster if need be. Lives next to the code that uses
 * it; config/schema.ts plugs it in.
 */
import { z } from 'zod';
import { durationSchema } from '../config/duration-schema.js';

const connectionFields = {
  /** Base URL of the Prometheus HTTP API, e.g. `http://prometheus.monitoring:9090` (a path prefix is kept). */
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .refine((u) => !/^[a-z]+:\/\/[^/?#]*@/i.test(u), 'must not carry a user name or password: set username and password (or passwordFile) instead')
    .optional(),
  /** Sent as `Authorization: Bearer …`. */
  bearerToken: z.string().min(1).optional(),
  /** Or a file holding the token (a mounted Secret), read at each query so a rotated token is picked up. */
  bearerTokenFile: z.string().min(1).optional(),
  /** Basic auth (an authenticating proxy in front of Prometheus). */
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  passwordFile: z.string().min(1).optional(),
  /** Longest a query may take (also sent to Prometheus as its `timeout`). */
  timeout: durationSchema.optional(),
};

/** Both auth kinds at once, or half of basic auth, is a mistake worth saying. */
function checkAuth(c: { bearerToken?: string | undefined; bearerTokenFile?: string | undefined; username?: string | undefined; password?: string | undefined; passwordFile?: string | undefined }, ctx: z.RefinementCtx): void {
  const bearer = c.bearerToken !== undefined || c.bearerTokenFile !== undefined;
  const secret = c.password !== undefined || c.passwordFile !== undefined;
  if (c.bearerToken !== undefined && c.bearerTokenFile !== undefined) ctx.addIssue({ code: 'custom', path: ['bearerTokenFile'], message: 'set bearerToken or bearerTokenFile, not both' });
  if (c.password !== undefined && c.passwordFile !== undefined) ctx.addIssue({ code: 'custom', path: ['passwordFile'], message: 'set password or passwordFile, not both' });
  if (bearer && (c.username !== undefined || secret)) ctx.addIssue({ code: 'custom', path: ['username'], message: 'use a bearer token or basic auth, not both' });
  if ((c.username !== undefined) !== secret) ctx.addIssue({ code: 'custom', path: ['password'], message: 'basic auth needs both a username and a password' });
}

const clusterConnection = z.object(connectionFields).strict().superRefine(checkAuth);

export const prometheusSchema = z
  .object({
    ...connectionFields,
    timeout: durationSchema.default(30_000),
    /** Largest answer read (bytes); a bigger one fails as prometheus_bad_query (aggregate the query). */
    maxResponseBytes: z.coerce.number().int().min(1024).default(10 * 1024 * 1024),
    /**
     * Per cluster: another Prometheus. An entry replaces the URL and the
     * credentials as a whole (a token meant for one server never goes to
     * another); its timeout defaults to the one above.
     */
    clusters: z.record(z.string(), clusterConnection).default({}),
  })
  .strict()
  .superRefine(checkAuth)
  .default({ timeout: 30_000, maxResponseBytes: 10 * 1024 * 1024, clusters: {} });

export type PrometheusSettings = z.output<typeof prometheusSchema>;

/** Where one cluster's queries go, and how they authenticate. */
export interface PrometheusConnection {
  url: string;
  /** Which setting it came from, for messages: `prometheus` or `prometheus.clusters.<name>`. */
  source: string;
  auth?: { bearerToken: string } | { bearerTokenFile: string } | { username: string; password?: string; passwordFile?: string };
  timeoutMs: number;
  maxResponseBytes: number;
}

/** The connection for `cluster`, or undefined when none is configured. */
export function prometheusFor(settings: PrometheusSettings, cluster: string): PrometheusConnection | undefined {
  const own = Object.hasOwn(settings.clusters, cluster) ? settings.clusters[cluster] : undefined;
  const chosen = own ?? settings;
  if (!chosen.url) return undefined;
  const connection: PrometheusConnection = {
    url: chosen.url,
    source: own ? `prometheus.clusters.${cluster}` : 'prometheus',
    timeoutMs: chosen.timeout ?? settings.timeout,
    maxResponseBytes: settings.maxResponseBytes,
  };
  if (chosen.bearerToken) connection.auth = { bearerToken: chosen.bearerToken };
  else if (chosen.bearerTokenFile) connection.auth = { bearerTokenFile: chosen.bearerTokenFile };
  else if (chosen.username) {
    connection.auth = { username: chosen.username, ...(chosen.password ? { password: chosen.password } : {}), ...(chosen.passwordFile ? { passwordFile: chosen.passwordFile } : {}) };
  }
  return connection;
}
