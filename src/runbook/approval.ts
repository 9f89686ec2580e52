import type { Runbook } from './types.js';

/** The approval requirement that applies to a runbook: its own, else `unless-dry-run` for high risk, else none. */
export function approvalPolicy(runbook: Runbook): 'always' | 'never' | 'unless-dry-run' {
  return runbook.approval?.required ?? ((runbook.risk ?? 'medium') === 'high' ? 'unless-dry-run' : 'never');
}

export function needsApproval(runbook: Runbook, dryRun: boolean): boolean {
  const policy = approvalPolicy(runbook);
  return policy === 'always' || (policy === 'unless-dry-run' && !dryRun);
}
