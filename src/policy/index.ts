/** Policy as code: who may run what, and which runs need approval. */
export type { ApprovalRequirement, CreatePolicyOptions, Decision, GitOpsTarget, GroupMembersLookup, Policy, PolicySubject } from './types.js';
export type { PolicyDocument } from './schema.js';
export { parsePolicy, loadPolicyFile } from './parse.js';
export { createPolicy, denyAllPolicy, sandboxPolicy } from './policy.js';
export { personOf, principalOf } from './principal.js';
export { NO_POLICY, policyFrom, type PolicySource } from './source.js';
