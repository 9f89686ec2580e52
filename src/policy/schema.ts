import { z } from 'zod';
import { parseDuration } from '../config/duration.js';
import { globProblem } from './glob.js';
import { namespaceListProblem, namespacePatternProblem } from './namespaces.js';
import { parseMember } from './principal.js';

/** A check that turns "why not" functions into zod issues at the element's own path. */
function checked(problem: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  });
}

const glob = checked(globProblem);
const globs = z.array(glob).min(1, 'must list at least one pattern');
const namespaces = z
  .array(checked(namespacePatternProblem))
  .min(1, 'must list at least one pattern')
  .superRefine((list, ctx) => {
    const message = namespaceListProblem(list);
    if (message) ctx.addIssue({ code: 'custom', message });
  });

const member = checked((text) => {
  const parsed = parseMember(text);
  return 'error' in parsed ? parsed.error : undefined;
});

const groupName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'group names are letters, digits, _ . and -');

const duration = z
  .union([z.string(), z.number()])
  .refine((v) => (parseDuration(v) ?? 0) > 0, { message: 'must be a duration such as 30s, 15m or 1h' })
  .transform((v) => parseDuration(v) ?? 0);

const rule = z.strictObject({
  /** Groups whose members this rule allows. */
  groups: z.array(groupName).min(1, 'must name at least one group'),
  /** Runbook id globs. Required: a rule says what it allows. */
  runbooks: globs,
  /** Cluster name globs. Required. */
  clusters: globs,
  /** Namespace globs, `!` excluding; default every namespace (and runs without one). */
  namespaces: namespaces.default(['*']),
  /** Only dry runs. */
  dryRunOnly: z.boolean().default(false),
});

const approval = z.strictObject({
  runbooks: globs.optional(),
  clusters: globs.optional(),
  namespaces: namespaces.optional(),
  risk: z.array(z.enum(['low', 'medium', 'high'])).min(1, 'must list at least one risk level').optional(),
  /** Dry runs of matching runs need no approval (default). */
  exemptDryRun: z.boolean().default(true),
  require: z
    .strictObject({
      approvals: z.number().int('must be a whole number').min(1, 'must be at least 1').default(1),
      /** Group the approvers must be in; absent: anyone the rules allow to run the same thing for real. */
      from: groupName.optional(),
      /** How long the proposal waits; absent: the configured approvals timeout. */
      within: duration.optional(),
    })
    .default({ approvals: 1 }),
});

/**
 * What happens to a mutation of an object Argo CD or Flux owns, for matching
 * runs: the first matching entry wins over the runbook's own `gitops` mode.
 * `direct` is honoured only when an entry says it.
 */
const gitops = z.strictObject({
  runbooks: globs.optional(),
  clusters: globs.optional(),
  namespaces: namespaces.optional(),
  mode: z.enum(['propose', 'suspend', 'direct', 'refuse']),
});

/** The policy file: groups of people, allow rules, which runs need approval, and GitOps modes. */
export const policySchema = z.strictObject({
  groups: z.record(groupName, z.array(member)).default({}),
  rules: z.array(rule),
  approvals: z.array(approval).default([]),
  gitops: z.array(gitops).default([]),
});

export type PolicyDocument = z.output<typeof policySchema>;
export type ApprovalEntry = PolicyDocument['approvals'][number];
export type GitOpsEntry = PolicyDocument['gitops'][number];
