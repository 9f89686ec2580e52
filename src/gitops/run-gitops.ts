/**
 * The GitOps layer of one run: wraps its ctx.k8s so mutations of git-owned
 * objects follow the mode the policy or the runbook sets, with the run's
 * progress store, reports, audit and changes (all scrubbed of its secrets).
 */
import type { AuditEventBody } from '../audit/events.js';
import { parseDuration } from '../config/duration.js';
import type { RunRecord } from '../jobs/run-record.js';
import type { RunStore } from '../jobs/run-store.js';
import { scrubChange } from '../jobs/run-errors.js';
import type { K8sOps } from '../k8s/types.js';
import type { Policy } from '../policy/index.js';
import type { Runbook } from '../runbook/types.js';
import { gitopsAwareOps } from './gitops-ops.js';
import { decideGitOpsMode } from './mode.js';
import type { GitOpsParts } from './parts.js';
import type { GitOpsSettings } from './settings.js';

export interface RunGitOpsContext {
  run: RunRecord;
  runbook: Runbook;
  store: Pick<RunStore, 'gitopsProgress' | 'setGitopsProgress' | 'emit' | 'addChange'>;
  /** Appends to the audit log after the run's run.started. */
  audit: (body: AuditEventBody) => Promise<unknown>;
  scrub: (text: string) => string;
}

/** Wraps a run's ctx.k8s; what RunWorker takes as `gitops`. */
export type GitOpsWrap = (k8s: K8sOps, context: RunGitOpsContext) => K8sOps;

export interface GitOpsWrapDeps {
  parts: GitOpsParts;
  settings: Pick<GitOpsSettings, 'pollInterval' | 'mergeTimeout' | 'syncTimeout' | 'suspendWindow'>;
  /** The worker's own policy (its `gitops` entries). */
  policy: Pick<Policy, 'gitopsMode'>;
  now?: () => Date;
}

export function createGitOpsWrap(deps: GitOpsWrapDeps): GitOpsWrap {
  const now = deps.now ?? (() => new Date());
  return (k8s, { run, runbook, store, audit, scrub }) => {
    const asked = runbook.gitops?.window !== undefined ? parseDuration(runbook.gitops.window) : undefined;
    const window = Math.min(asked ?? deps.settings.suspendWindow, deps.settings.suspendWindow);
    return gitopsAwareOps(k8s, {
      parts: deps.parts,
      run: { id: run.id, runbook: run.runbook, cluster: run.cluster, dryRun: run.dryRun, requester: run.requester },
      decide: (namespace) => decideGitOpsMode(runbook, { cluster: run.cluster, ...(namespace !== undefined ? { namespace } : {}) }, deps.policy),
      timings: { pollIntervalMs: deps.settings.pollInterval, mergeTimeoutMs: deps.settings.mergeTimeout, syncTimeoutMs: deps.settings.syncTimeout, suspendWindowMs: window },
      progress: { get: (key) => store.gitopsProgress(run.id, key), set: (key, value) => store.setGitopsProgress(run.id, key, value) },
      report: (text) => store.emit(run.id, { type: 'report', text: scrub(text) }),
      audit: async (record) => {
        await audit({ type: 'gitops.stage', runId: run.id, ...record });
      },
      addChange: (change) => store.addChange(run.id, scrubChange(scrub)(change)),
      now,
    });
  };
}
