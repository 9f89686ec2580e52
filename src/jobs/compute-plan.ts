import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { K8sHooks, K8sOps, PlannedChange } from '../k8s/types.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Requester, Runbook } from '../runbook/types.js';
import { createPlanContext } from './plan-context.js';
import type { RunRecord } from './run-record.js';
import type { Tracer } from '@opentelemetry/api';
import { k8sCallSpans } from '../tracing/k8s-spans.js';
import { secretParamNames } from '../redact/secret-params.js';
import { literalScrubber } from './run-errors.js';
import type { CtxServicesFactory } from './ctx-services.js';
import type { GitOpsWrap } from '../gitops/run-gitops.js';

/** Same shape as the worker's K8sOpsFactory (kept apart to avoid an import cycle). */
type K8sOpsFactory = (args: { cluster: string; dryRun: boolean; hooks: K8sHooks; requester: Requester }) => K8sOps;

export interface ComputePlanArgs {
  run: RunRecord;
  runbook: Runbook;
  /** Parsed params, secrets included. */
  params: Record<string, unknown>;
  k8s: K8sOpsFactory;
  audit: AuditLog;
  logger: Logger;
  metrics?: Metrics;
  attempt: number;
  signal: AbortSignal;
  /** Why the plan is computed, for the logs: `proposal` or `verify`. */
  purpose: 'proposal' | 'verify';
  /** Traces its Kubernetes calls (children of the attempt's span); absent when tracing is off. */
  tracer?: Tracer;
  /** Builds ctx.prometheus and ctx.http (dry: HTTP writes join the plan); by default none configured. */
  services?: CtxServicesFactory;
  /** Makes the plan's ctx.k8s GitOps-aware, as the run's is (a git-owned object's change is planned as its commit). */
  gitops?: GitOpsWrap;
}

/**
 * Runs a runbook as a dry run, in memory, and returns what it would change:
 * every mutation is sent to the API server with dryRun=All (and audited as
 * such), under the requester's Kubernetes identity.
 */
export async function computePlan(args: ComputePlanArgs): Promise<PlannedChange[]> {
  const { run, audit, metrics } = args;
  const plan: PlannedChange[] = [];
  const k8s = args.k8s({
    cluster: run.cluster,
    dryRun: true,
    requester: run.requester,
    hooks: {
      onApiCall: ({ cluster, verb, code }) => metrics?.k8sCalls.inc({ cluster, verb, code: String(code) }),
      ...(args.tracer ? { onApiCallStart: k8sCallSpans(args.tracer, literalScrubber(secretParamNames(args.runbook.params).map((name) => args.params[name]))) } : {}),
      onMutation: async (record, change) => {
        await audit.append({ type: 'k8s.mutation', runId: run.id, ...record });
        if (change && record.outcome === 'succeeded') plan.push(change);
      },
    },
  });
  const scrub = literalScrubber(secretParamNames(args.runbook.params).map((name) => args.params[name]));
  const planK8s = args.gitops
    ? args.gitops(k8s, {
        run: { ...run, dryRun: true },
        runbook: args.runbook,
        scrub,
        audit: (body) => audit.append(body),
        // A dry run keeps no progress and tells no one: its changes are the plan.
        store: {
          gitopsProgress: () => Promise.resolve(undefined),
          setGitopsProgress: () => Promise.resolve(),
          emit: () => Promise.resolve(),
          addChange: (_id, change) => Promise.resolve(void plan.push(change)),
        },
      })
    : k8s;
  const services = args.services?.({
    runId: run.id,
    cluster: run.cluster,
    dryRun: true,
    signal: args.signal,
    audit,
    scrub,
    onChange: (change) => {
      plan.push(change);
    },
  });
  const ctx = createPlanContext({
    runId: run.id,
    runbook: run.runbook,
    cluster: run.cluster,
    requester: run.requester,
    attempt: args.attempt,
    signal: args.signal,
    k8s: planK8s,
    logger: args.logger.child({ runId: run.id, runbook: run.runbook, cluster: run.cluster, plan: args.purpose }),
    ...(services ? { services } : {}),
  });
  await args.runbook.run(ctx, args.params);
  return plan;
}
