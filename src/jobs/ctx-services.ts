/**
 * ctx.prometheus and ctx.http for one run (or one plan): built from the
 * configuration, bound to the run's cluster and dry-run flag, every query
 * and request appended to the audit log under the run's id, and every HTTP
 * write handed to the run's plan.
 */
import type { AuditEventBody } from '../audit/events.js';
import type { Config } from '../config/schema.js';
import type { PlannedChange } from '../k8s/types.js';
import { allowList } from '../outbound/allow-list.js';
import { createHttpOps } from '../outbound/http-client.js';
import type { HttpOps } from '../outbound/http-types.js';
import { createPrometheusOps } from '../prometheus/prometheus-client.js';
import { prometheusFor } from '../prometheus/settings.js';
import type { PrometheusOps } from '../prometheus/types.js';

export interface CtxServices {
  prometheus: PrometheusOps;
  http: HttpOps;
}

export interface CtxServicesArgs {
  runId: string;
  cluster: string;
  dryRun: boolean;
  signal: AbortSignal;
  /** Where each query and request is recorded (the audit log). */
  audit: { append(body: AuditEventBody): Promise<unknown> };
  /** An HTTP write for the run's plan. */
  onChange: (change: PlannedChange) => void | Promise<void>;
  /** Removes the run's secret values from what is recorded. */
  scrub?: (text: string) => string;
}

export type CtxServicesFactory = (args: CtxServicesArgs) => CtxServices;

/** Outside connections: tests point them at local servers. */
export interface CtxServicesIo {
  fetch?: typeof fetch;
  readFile?: (path: string) => Promise<string>;
}

/** ctx.prometheus and ctx.http as the configuration says (`prometheus`, `outbound.allow`). */
export function ctxServicesFrom(config: Pick<Config, 'prometheus' | 'outbound'>, io: CtxServicesIo = {}): CtxServicesFactory {
  const allow = allowList(config.outbound.allow);
  return (args) => {
    const prometheus = createPrometheusOps({
      cluster: args.cluster,
      connection: prometheusFor(config.prometheus, args.cluster),
      signal: args.signal,
      ...(args.scrub ? { scrub: args.scrub } : {}),
      onQuery: async (record) => {
        await args.audit.append({ type: 'prometheus.query', runId: args.runId, ...record });
      },
      ...io,
    });
    const http = createHttpOps({
      allow,
      dryRun: args.dryRun,
      timeoutMs: config.outbound.timeout,
      maxResponseBytes: config.outbound.maxResponseBytes,
      signal: args.signal,
      onRequest: async (record) => {
        await args.audit.append({ type: 'http.request', runId: args.runId, ...record });
      },
      onChange: args.onChange,
      ...(args.scrub ? { scrub: args.scrub } : {}),
      ...(io.fetch ? { fetch: io.fetch } : {}),
    });
    return { prometheus, http };
  };
}

/** Nothing configured: queries fail as prometheus_not_configured, every host as http_not_allowed. */
export const unconfiguredServices: CtxServicesFactory = ctxServicesFrom({
  prometheus: { timeout: 30_000, maxResponseBytes: 10 * 1024 * 1024, clusters: {} },
  outbound: { allow: [], timeout: 10_000, maxResponseBytes: 1024 * 1024 },
});
