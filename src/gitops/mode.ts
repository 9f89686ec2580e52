/**
 * Which GitOps mode a mutation of a git-owned object gets: the policy's
 * first matching `gitops` entry, else the runbook's own `gitops` (per
 * cluster, then its default), else `refuse`. A runbook cannot give itself
 * `direct`: only a policy entry can, since a direct change to a git-owned
 * object is drift someone must have agreed to.
 */
import type { Policy } from '../policy/index.js';
import type { Runbook } from '../runbook/types.js';
import type { GitOpsMode } from './types.js';

export interface ModeDecision {
  mode: GitOpsMode;
  /** Where the mode came from, for the plan and the refusal: `policy gitops[0]`, `runbook scale-deployment`. */
  from: string;
}

export function decideGitOpsMode(runbook: Pick<Runbook, 'id' | 'gitops'>, target: { cluster: string; namespace?: string }, policy?: Pick<Policy, 'gitopsMode'>): ModeDecision {
  const fromPolicy = policy?.gitopsMode?.({ runbook: runbook.id, cluster: target.cluster, ...(target.namespace !== undefined ? { namespace: target.namespace } : {}) });
  if (fromPolicy) return { mode: fromPolicy.mode, from: `policy ${fromPolicy.entry}` };
  const own = runbook.gitops;
  if (!own) return { mode: 'refuse', from: `default (runbook ${runbook.id} declares no gitops mode and no policy gitops entry matches)` };
  const perCluster = own.clusters && Object.hasOwn(own.clusters, target.cluster) ? own.clusters[target.cluster] : undefined;
  const mode = perCluster ?? own.mode;
  const from = `runbook ${runbook.id}${perCluster ? ` on cluster ${target.cluster}` : ''}`;
  if (mode === 'direct') return { mode: 'refuse', from: `${from} asks for direct, which only a policy gitops entry can allow` };
  return { mode, from };
}
