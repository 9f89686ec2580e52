import type { Logger } from 'pino';
import type { K8sOps } from '../k8s/types.js';
import type { RunContext, Requester } from '../runbook/types.js';
import { unconfiguredServices, type CtxServices } from './ctx-services.js';

export interface PlanContextDeps {
  runId: string;
  runbook: string;
  cluster: string;
  requester: Requester;
  attempt: number;
  signal: AbortSignal;
  /** Must be a dry-run ctx.k8s: every mutation is sent with dryRun=All. */
  k8s: K8sOps;
  logger: Logger;
  /** Lines the runbook reports while planning; dropped by default. */
  report?: (text: string) => Promise<void>;
  /** ctx.prometheus and ctx.http, dry (HTTP writes go into the plan); by default none configured. */
  services?: CtxServices;
}

/**
 * A ctx for computing a plan (a proposal's dry run, or the check before an
 * approved run executes): steps run in memory, without checkpoints, so the
 * run's real steps later start from scratch; steps marked skipInDryRun are
 * skipped as in any dry run.
 */
export function createPlanContext(deps: PlanContextDeps): RunContext {
  const startedAt = new Date().toISOString();
  const log = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) =>
    deps.logger[level]({ ...fields, planning: true }, message);
  return {
    runId: deps.runId,
    runbookId: deps.runbook,
    cluster: deps.cluster,
    dryRun: true,
    requester: deps.requester,
    attempt: deps.attempt,
    signal: deps.signal,
    k8s: deps.k8s,
    ...(deps.services ?? unconfiguredServices({ runId: deps.runId, cluster: deps.cluster, dryRun: true, signal: deps.signal, audit: { append: () => Promise.resolve() }, onChange: () => undefined })),
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    async step(_name, fn, options = {}) {
      deps.signal.throwIfAborted();
      if (options.skipInDryRun) return undefined as never;
      const value = await fn({ signal: deps.signal, execution: 1, firstStartedAt: startedAt });
      return (value === undefined ? undefined : JSON.parse(JSON.stringify(value))) as never;
    },
    report: (text) => deps.report?.(text) ?? Promise.resolve(),
  };
}
