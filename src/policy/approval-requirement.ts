import { parseDuration } from '../config/duration.js';
import { approvalPolicy, needsApproval } from '../runbook/approval.js';
import type { Runbook } from '../runbook/types.js';
import { firstMatch } from './glob.js';
import { namespaceMatch, namespaceOf } from './namespaces.js';
import type { ApprovalEntry } from './schema.js';
import type { ApprovalRequirement, PolicySubject } from './types.js';

/** Whether an approvals entry's selectors all hold for a run; absent selectors hold for every run. */
function entryMatches(entry: ApprovalEntry, subject: PolicySubject): boolean {
  const { runbook, cluster } = subject;
  return (
    (!entry.runbooks || firstMatch(entry.runbooks, runbook.id) !== undefined) &&
    (!entry.clusters || firstMatch(entry.clusters, cluster) !== undefined) &&
    (!entry.namespaces || namespaceMatch(entry.namespaces, namespaceOf(subject.params))) &&
    (!entry.risk || entry.risk.includes(runbook.risk ?? 'medium'))
  );
}

/** "approvals[0]: risk high on prod-*": the entry and what of the run it matched. */
function entryReason(index: number, entry: ApprovalEntry, subject: PolicySubject): string {
  const parts: string[] = [];
  if (entry.runbooks) parts.push(`runbook ${subject.runbook.id}`);
  if (entry.risk) parts.push(`risk ${subject.runbook.risk ?? 'medium'}`);
  if (entry.clusters) parts.push(`on ${firstMatch(entry.clusters, subject.cluster) ?? subject.cluster}`);
  const namespace = namespaceOf(subject.params);
  if (entry.namespaces && namespace !== undefined) parts.push(`in namespace ${namespace}`);
  return `approvals[${index}]: ${parts.join(' ') || 'every run'}`;
}

function runbookReason(runbook: Runbook): string {
  if (!runbook.approval?.required) return `runbook ${runbook.id} is high risk: approval unless dry run`;
  return approvalPolicy(runbook) === 'always' ? `runbook ${runbook.id} requires approval` : `runbook ${runbook.id} requires approval unless dry run`;
}

/**
 * The approval a run needs, if any: the first approvals entry whose selectors
 * match decides for the policy (a dry run it exempts needs none from it), and
 * the runbook's own declaration applies too. When both apply the stricter
 * count wins, the entry's group applies, and the entry's `within` beats the
 * runbook's timeout.
 */
export function approvalFor(entries: readonly ApprovalEntry[], subject: PolicySubject, defaultTimeoutMs: number): ApprovalRequirement | undefined {
  const index = entries.findIndex((e) => entryMatches(e, subject));
  const entry = index < 0 ? undefined : entries[index];
  const fromPolicy = entry && !(subject.dryRun && entry.exemptDryRun) ? entry : undefined;
  const { runbook } = subject;
  const fromRunbook = needsApproval(runbook, subject.dryRun);
  if (!fromPolicy && !fromRunbook) return undefined;

  const runbookApprovals = runbook.approval?.approvers ?? 1;
  const runbookTimeout = fromRunbook && runbook.approval?.timeout !== undefined ? parseDuration(runbook.approval.timeout) : undefined;
  const reasons = [fromPolicy ? entryReason(index, fromPolicy, subject) : undefined, fromRunbook ? runbookReason(runbook) : undefined];
  const requirement: ApprovalRequirement = {
    approvals: Math.max(fromPolicy?.require.approvals ?? 0, fromRunbook ? runbookApprovals : 0),
    timeoutMs: fromPolicy?.require.within ?? runbookTimeout ?? defaultTimeoutMs,
    reason: reasons.filter(Boolean).join('; '),
  };
  if (fromPolicy?.require.from) requirement.group = fromPolicy.require.from;
  return requirement;
}
