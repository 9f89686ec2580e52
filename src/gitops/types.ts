/**
 * The shared vocabulary of GitOps-aware remediation: who in git owns a live
 * object (Argo CD or Flux), what a mutation would change in it, where in the
 * repository that value is written, and the forge that reviews the change.
 */

/** The reconciler that puts git's state back on the cluster. */
export type GitOpsTool = 'flux' | 'argocd';

/**
 * What Drover does with a mutation of an object git owns:
 * - `propose`: commit the change on a new branch, open a pull request, wait for merge, sync, verify;
 * - `suspend`: suspend the reconciler for a bounded window, change it directly, open the same pull request, resume;
 * - `direct`: change the live object anyway (today's behaviour), only where the policy allows it;
 * - `refuse`: change nothing, say why.
 */
export type GitOpsMode = 'propose' | 'suspend' | 'direct' | 'refuse';
export const GITOPS_MODES: readonly GitOpsMode[] = ['propose', 'suspend', 'direct', 'refuse'];

/** A live object, named. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** Where, in the repository, the owner keeps the object's desired state. */
export type DesiredStateSource =
  /** Plain manifests and/or kustomize (kustomization.yaml, patches) under `path`. */
  | { type: 'manifests' }
  /**
   * A Flux HelmRelease renders the object; its values are `spec.values` of the
   * HelmRelease manifest, which is itself a plain manifest under `path` (the
   * directory of the Kustomization that applies the HelmRelease).
   */
  | { type: 'helm-release'; release: { namespace: string; name: string } }
  /**
   * An Argo CD Application renders a Helm chart at `path`; values live in
   * `valueFiles` (paths relative to `path`, as `spec.source.helm.valueFiles` says; default `values.yaml`).
   */
  | { type: 'helm-values'; valueFiles: string[] };

/** The reconciler object that applies a live object from git, as read from the cluster. */
export interface GitOpsOwner {
  tool: GitOpsTool;
  /** `Kustomization` / `HelmRelease` (Flux) or `Application` (Argo CD). */
  kind: 'Kustomization' | 'HelmRelease' | 'Application';
  apiVersion: string;
  namespace: string;
  name: string;
  /** The git URL the reconciler pulls: Flux GitRepository spec.url, Argo CD spec.source.repoURL. */
  repoUrl: string;
  /** The branch it follows (Flux GitRepository spec.ref.branch, Argo CD targetRevision when a branch); undefined: the repository's default. */
  branch?: string;
  /** Directory in the repository, without a leading `./` or trailing `/`; '' for the root. */
  path: string;
  source: DesiredStateSource;
  /**
   * How soon a direct change is put back: Flux's spec.interval; Argo CD with
   * automated self-heal: its self-heal delay (about 5 s). Undefined when the
   * reconciler does not revert drift by itself (Argo CD without self-heal, or
   * without automated sync); a suspended owner reverts nothing until resumed.
   */
  revertsWithinMs?: number;
  /** Flux spec.suspend, or an Argo CD Application without automated sync. */
  suspended: boolean;
  /** Why a proposed commit cannot move this owner (a pinned revision, a source that is not git); undefined when it can. Also said in `text`. */
  proposeBlocked?: string;
  /**
   * One line for the plan, e.g. `managed by Flux Kustomization flux-system/apps
   * from git repo https://github.com/acme/fleet path apps/web; a direct change is reverted within 10m`.
   */
  text: string;
}

/** What the reconciler last reported. */
export interface ReconcilerStatus {
  /** The git commit (40 hex) it last applied (Flux lastAppliedRevision `main@sha1:<sha>`, Argo CD status.sync.revision). */
  revision?: string;
  /** Ready (Flux Ready=True) / Synced and Healthy-or-Progressing (Argo CD). */
  ready: boolean;
  /** The reconciler's own words when it is not ready. */
  message?: string;
}

/** One field of a live object set to a value: `['spec', 'replicas']` → 5. */
export interface FieldChange {
  path: Array<string | number>;
  value: unknown;
  /** The live value before, when known (for the PR text and the plan). */
  from?: unknown;
}

/** What to edit in a checked-out repository. */
export interface EditRequest {
  object: ObjectRef;
  fields: FieldChange[];
  /** The owner's directory in the repository ('' for the root). */
  path: string;
  source: DesiredStateSource;
  /** The live object's annotations: `drover.dev/values.<dotted field path>` maps a field to a Helm values path. */
  annotations?: Record<string, string>;
}

/** One file changed: repository-relative path, text before and after. */
export interface FileEdit {
  file: string;
  before: string;
  after: string;
}

export interface EditResult {
  edits: FileEdit[];
  /** One line per field: `apps/web/deployment.yaml:9 spec.replicas 3 → 5`. */
  lines: string[];
}

/** A pull (GitHub) or merge (GitLab) request as Drover follows it. */
export interface PullRequest {
  /** GitHub's number, GitLab's iid. */
  number: number;
  /** The page people open. */
  url: string;
  state: 'open' | 'closed' | 'merged';
  headBranch: string;
  baseBranch: string;
  /** The commit the merge put on the base branch (merge, squash or rebase), once merged. */
  mergeSha?: string;
  mergedBy?: string;
  /** Logins whose latest review approves. */
  approvedBy: string[];
  /** Logins whose latest review asks for changes. */
  changesRequestedBy: string[];
  /** The forge says it cannot be merged as it is: it conflicts with the base branch (someone must resolve it in git). */
  conflicts?: boolean;
}

export interface OpenPullRequest {
  title: string;
  body: string;
  head: string;
  base: string;
}

/** GitHub or GitLab, for one repository. */
export interface Forge {
  readonly kind: 'github' | 'gitlab';
  /** The newest request whose head is `branch`, in any state; undefined when none. */
  findByBranch(branch: string): Promise<PullRequest | undefined>;
  open(request: OpenPullRequest): Promise<PullRequest>;
  get(number: number): Promise<PullRequest>;
  comment(number: number, text: string): Promise<void>;
}
