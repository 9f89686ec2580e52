import { createPolicy, denyAllPolicy } from './policy.js';
import type { PolicyDocument } from './schema.js';
import type { CreatePolicyOptions, Policy } from './types.js';

/** Where a process's policy comes from: a parsed file, a ready-made policy, or none (deny all, with this reason). */
export type PolicySource = { document: PolicyDocument } | { policy: Policy } | { deny: string };

export const NO_POLICY = 'Denied: no policy is configured. Set DROVER_POLICY to a policy file (see policy.example.yaml).';

/** The policy a source describes; no source at all denies everything. */
export function policyFrom(source: PolicySource | undefined, options: CreatePolicyOptions): Policy {
  if (!source) return denyAllPolicy(NO_POLICY);
  if ('policy' in source) return source.policy;
  if ('document' in source) return createPolicy(source.document, options);
  return denyAllPolicy(source.deny);
}
