import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { NO_POLICY, loadPolicyFile, sandboxPolicy, type Policy, type PolicySource } from '../policy/index.js';

export interface PolicyEnv {
  home?: string;
  serviceHost?: string;
}

/** True when the clusters a worker would load can only be the built-in sandbox. */
function sandboxOnly(config: Config, env: PolicyEnv): boolean {
  if (config.clusters.sandbox === 'off') return false;
  const kubeconfig = config.clusters.kubeconfig.length > 0 || Boolean(env.home && existsSync(join(env.home, '.kube', 'config')));
  return !kubeconfig && !env.serviceHost;
}

/**
 * True when the process applies the built-in sandbox policy: no policy file,
 * and no cluster but the sandbox. Only then may the terminal chat act as a
 * second local identity (to approve); a typed name authenticates nobody.
 */
export function sandboxPolicyApplies(config: Config, env: PolicyEnv): boolean {
  return !config.policy.file && sandboxOnly(config, env);
}

/** The sandbox's permissive policy, for the cluster named `sandbox` only. */
function onSandboxOnly(policy: Policy): Policy {
  const deny = { allowed: false as const, reason: NO_POLICY };
  return {
    decide: (subject) => (subject.cluster === 'sandbox' ? policy.decide(subject) : Promise.resolve(deny)),
    mayApprove: (approver, subject, requirement) =>
      subject.cluster === 'sandbox' ? policy.mayApprove(approver, subject, requirement) : Promise.resolve(deny),
    groupsOf: (requester) => policy.groupsOf(requester),
  };
}

/**
 * The policy a process applies: the file in DROVER_POLICY (a broken one stops
 * start-up with every problem listed); without one, the sandbox lets everyone
 * try everything when it is the only cluster; otherwise every run is denied.
 */
export function policySourceFrom(config: Config, env: PolicyEnv, readFile: (path: string) => string): PolicySource {
  if (config.policy.file) return { document: loadPolicyFile(config.policy.file, readFile) };
  if (sandboxPolicyApplies(config, env)) return { policy: onSandboxOnly(sandboxPolicy(config.approvals.timeout)) };
  return { deny: NO_POLICY };
}
