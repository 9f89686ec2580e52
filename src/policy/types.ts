import type { GitOpsMode } from '../gitops/types.js';
import type { Requester, Runbook } from '../runbook/types.js';

/** One run somebody asks for, as the policy sees it. */
export interface PolicySubject {
  requester: Requester;
  runbook: Runbook;
  cluster: string;
  params: Record<string, unknown>;
  dryRun: boolean;
}

/** What a run needs before it may start. */
export interface ApprovalRequirement {
  /** Approvals needed, from people other than the requester. */
  approvals: number;
  /** Group name; absent = anyone the rules allow to run this (not dry-run-only). */
  group?: string;
  timeoutMs: number;
  /** Why approval is needed, one line, e.g. "approvals[0]: risk high on prod-*" or "runbook expand-pvc requires approval". */
  reason: string;
}

export type Decision =
  | { allowed: false; reason: string }
  | {
      allowed: true;
      reason: string;
      /** The allowing rule, e.g. "rules[0]". */
      rule: string;
      approval?: ApprovalRequirement;
    };

/** Who may run what, and which runs need approval. Fails closed. */
export interface Policy {
  /** Allowed? and does it need approval. Never throws for a lookup failure: a failed Slack group lookup counts as not a member, and the reason says so. */
  decide(subject: PolicySubject): Promise<Decision>;
  /**
   * May `approver` approve this run? No for the requester themself (same
   * kind+id), no for automation, no for a CLI identity unless the deciding
   * group names it by a `cli:` member (`*` is not enough: a terminal name is
   * typed, not authenticated), no if not in requirement.group (or, without a
   * group, not allowed by the rules to run the same subject for real).
   */
  mayApprove(approver: Requester, subject: PolicySubject, requirement: ApprovalRequirement): Promise<{ allowed: boolean; reason: string }>;
  /** Groups the requester belongs to (for explanations). */
  groupsOf(requester: Requester): Promise<string[]>;
  /** The GitOps mode the policy sets for a mutation of an object git owns (its first matching `gitops` entry), or undefined when no entry matches. */
  gitopsMode?(target: GitOpsTarget): { mode: GitOpsMode; entry: string } | undefined;
}

/** A mutation the GitOps mode is decided for. */
export interface GitOpsTarget {
  runbook: string;
  cluster: string;
  /** The changed object's namespace (none for a cluster-scoped object). */
  namespace?: string;
}

/** Members of a Slack user group (S…), from Slack; may throw. */
export type GroupMembersLookup = (slackUserGroupId: string) => Promise<string[]>;

export interface CreatePolicyOptions {
  /** Resolves Slack user groups; without it, members of user groups match nobody. */
  groupMembers?: GroupMembersLookup;
  /** Approval timeout when neither the policy entry nor the runbook says (config approvals.timeout). */
  defaultTimeoutMs: number;
}
