import { createHmac } from 'node:crypto';
import { canonicalJson } from '../audit/chain.js';
import type { PlannedChange } from '../k8s/types.js';

/** What an approval is bound to. */
export interface BindingInput {
  runbook: string;
  /** SHA-256 of the runbook's file; a changed runbook voids the approval. */
  runbookDigest?: string;
  /** Params as shown (secrets replaced). */
  params: Record<string, unknown>;
  /** Secret params: bound by their keyed hashes, never stored in the binding itself. */
  secrets: Record<string, unknown>;
  cluster: string;
  dryRun: boolean;
  plan: PlannedChange[];
}

// Times a runbook writes into objects (a restart annotation) differ on every dry run.
const TIMESTAMP = /\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?\b/g;

/**
 * A plan as the binding sees it: what would change on which object, with
 * timestamps blanked (they differ between two dry runs of the same change) and
 * the dry-run flag dropped (the plan is always a dry run; execution compares
 * against a fresh dry run too).
 */
export function normalisePlan(plan: PlannedChange[]): unknown[] {
  return plan.map((c) => ({
    verb: c.verb,
    kind: c.kind,
    namespace: c.namespace ?? '',
    name: c.name,
    summary: c.summary.replace(TIMESTAMP, '<time>'),
    diff: c.diff.replace(TIMESTAMP, '<time>'),
  }));
}

function hmac(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}

/**
 * The hash an approval is bound to: runbook (and its code), params, secret
 * params, cluster and the dry-run plan as it is (before redaction). Anything
 * different gives a different hash, and approvals given for the old one do not
 * count. Keyed (HMAC-SHA256 with the installation's key): the hash is shown to
 * people, and without the key it tells nothing about what they cannot see.
 */
export function bindingHash(input: BindingInput, key: Buffer): string {
  const secrets = Object.fromEntries(Object.entries(input.secrets).map(([k, v]) => [k, hmac(key, canonicalJson(v))]));
  return hmac(
    key,
    canonicalJson({
      runbook: input.runbook,
      runbookDigest: input.runbookDigest ?? '',
      params: input.params,
      secrets,
      cluster: input.cluster,
      dryRun: input.dryRun,
      plan: normalisePlan(input.plan),
    }),
  );
}
