/**
 * What the GitOps flow needs from the world, as one interface: reading
 * ownership and reconciler status from the cluster, suspending a reconciler,
 * the repository (checkout, structural edit, commit, push) and its forge.
 * real-parts.ts binds it to git, the forges and the Kubernetes API; tests
 * may bind parts of it to doubles.
 */
import type { K8sOps, KubeObject, PlannedChange } from '../k8s/types.js';
import type { EditRequest, FileEdit, Forge, GitOpsOwner, ReconcilerStatus } from './types.js';

/** The Kubernetes calls the flow makes (the run's own ctx.k8s underneath: audited, impersonated, dry-run aware). */
export type GitOpsK8s = Pick<K8sOps, 'get' | 'list' | 'patch'>;

/** A configured repository, resolved for one owner. */
export interface RepositoryHandle {
  /** As people see it (no credentials). */
  url: string;
  forge: Forge;
  /** The branch pull requests go to: configured, else the owner's, else the remote's default. */
  baseBranch?: string;
}

/** A change prepared in a fresh checkout of the base branch. */
export interface PreparedChange {
  baseBranch: string;
  baseSha: string;
  edits: FileEdit[];
  /** One line per field: `apps/web/deployment.yaml:9 spec.replicas 3 → 5`. */
  lines: string[];
  /** git-style unified diff of the edits. */
  diff: string;
  /** Set when it was committed and pushed to `branch`. */
  commit?: { sha: string; reused: boolean };
}

export interface GitOpsParts {
  findOwner(k8s: GitOpsK8s, object: KubeObject): Promise<GitOpsOwner | undefined>;
  reconcilerStatus(k8s: GitOpsK8s, owner: GitOpsOwner): Promise<ReconcilerStatus>;
  suspend(k8s: GitOpsK8s, owner: GitOpsOwner, options: { runId: string; until: Date }): Promise<{ change: PlannedChange; alreadySuspended: boolean }>;
  resume(k8s: GitOpsK8s, owner: GitOpsOwner, options: { runId: string }): Promise<PlannedChange | undefined>;
  /** The configured repository the owner pulls from; throws gitops_unconfigured when there is none (or no token). */
  repository(owner: GitOpsOwner): Promise<RepositoryHandle>;
  /**
   * Checks out the base branch, edits it; with `commit`, commits the edits and
   * pushes them to `commit.branch` (idempotent: the same edits already there are reused).
   */
  prepare(repo: RepositoryHandle, request: EditRequest, commit?: { branch: string; message: string }): Promise<PreparedChange>;
  /** Whether `descendant` contains `ancestor` (after a fetch). */
  contains(repo: RepositoryHandle, descendant: string, ancestor: string): Promise<boolean>;
}
