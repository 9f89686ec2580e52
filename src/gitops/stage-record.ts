/**
 * What the audit log records of each stage a change to a git-owned object
 * goes through: planned (a dry run's commit diff), refused, committed and
 * proposed (a pull request), merged or rejected, synced by the reconciler,
 * verified in the cluster; and for `suspend`, the reconciler suspended and
 * resumed.
 */
import type { GitOpsMode, GitOpsTool } from './types.js';

export type GitOpsStage =
  | 'planned'
  | 'refused'
  | 'direct'
  | 'proposed'
  | 'merged'
  | 'rejected'
  | 'synced'
  | 'verified'
  | 'not-verified'
  | 'timed-out'
  | 'suspended'
  | 'resumed';

export interface GitOpsStageRecord {
  stage: GitOpsStage;
  cluster: string;
  mode: GitOpsMode;
  /** The live object changed (or to be changed). */
  object: { kind: string; namespace?: string; name: string };
  /** Its owner: Flux Kustomization / HelmRelease, Argo CD Application. */
  owner: { tool: GitOpsTool; kind: string; namespace: string; name: string };
  /** `spec.replicas 3 → 5`, one per field. */
  fields: string[];
  /** The repository (no credentials). */
  repo?: string;
  branch?: string;
  /** The commit Drover pushed, or the merge commit. */
  commit?: string;
  pullRequest?: { number: number; url: string };
  /** Who merged, approved, or closed it (forge logins). */
  by?: string[];
  /** The revision the reconciler reports. */
  revision?: string;
  /** Suspensions: until when. */
  until?: string;
  /** One line of why (a refusal, a timeout). */
  detail?: string;
}
