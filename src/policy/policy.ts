import type { Requester } from '../runbook/types.js';
import { approvalFor } from './approval-requirement.js';
import { firstMatch } from './glob.js';
import { Membership } from './membership.js';
import { namespaceMatch, namespaceOf } from './namespaces.js';
import { memberMatches, parseMember, principalOf } from './principal.js';
import type { PolicyDocument } from './schema.js';
import type { CreatePolicyOptions, Decision, Policy, PolicySubject } from './types.js';

const FIFTEEN_MINUTES = 15 * 60_000;

/** Text from requests (a namespace param, a cluster name) shown in a reason: short, and nothing Slack could read as markup. */
function shown(text: string): string {
  const clean = text.replace(/[^A-Za-z0-9._:/@-]/g, '?');
  return clean.length > 64 ? `${clean.slice(0, 63)}…` : clean;
}

function withNote(sentence: string, note: string): string {
  return note ? `${sentence} (${note}).` : `${sentence}.`;
}

async function firstAsync<T>(items: readonly T[], test: (item: T) => Promise<boolean>): Promise<T | undefined> {
  for (const item of items) if (await test(item)) return item;
  return undefined;
}

/** A policy from a parsed document. Deny by default; see PolicyDocument for the file's meaning. */
export function createPolicy(doc: PolicyDocument, options: CreatePolicyOptions): Policy {
  const defaultTimeoutMs = Number.isFinite(options.defaultTimeoutMs) && options.defaultTimeoutMs > 0 ? options.defaultTimeoutMs : FIFTEEN_MINUTES;
  const membership = (requester: Requester) => new Membership(doc.groups, requester, options.groupMembers);

  /** Whether the group lists a `cli:` member matching this CLI user: `*` alone never lets a terminal approve. */
  const namesCli = (group: string, approver: Requester): boolean =>
    (doc.groups[group] ?? []).map(parseMember).some((m) => !('error' in m) && m.kind === 'cli' && memberMatches(m, approver));

  async function evaluate(subject: PolicySubject): Promise<{ decision: Decision; note: string; groups?: readonly string[] }> {
    const { runbook, dryRun } = subject;
    const m = membership(subject.requester);
    const who = principalOf(subject.requester);
    const namespace = namespaceOf(subject.params);
    const target = `${runbook.id} on ${shown(subject.cluster)}${namespace === undefined ? '' : ` in namespace ${shown(namespace)}`}`;
    let dryRunOnly: string | undefined;
    for (const [i, rule] of doc.rules.entries()) {
      if (!firstMatch(rule.runbooks, runbook.id) || !firstMatch(rule.clusters, subject.cluster) || !namespaceMatch(rule.namespaces, namespace)) continue;
      const group = await firstAsync(rule.groups, (g) => m.has(g));
      if (group === undefined) continue;
      if (rule.dryRunOnly && !dryRun) {
        dryRunOnly ??= `rules[${i}]`;
        continue;
      }
      const approval = approvalFor(doc.approvals, subject, defaultTimeoutMs);
      const decision: Decision = {
        allowed: true,
        rule: `rules[${i}]`,
        reason: `Allowed by rules[${i}]: ${who} (group ${group}) may run ${target}${dryRun ? ' as a dry run' : ''}.`,
        ...(approval ? { approval } : {}),
      };
      return { decision, note: '', groups: rule.groups };
    }
    const groups = await m.all();
    const note = m.note();
    let reason: string;
    if (groups.length === 0) reason = withNote(`Denied: ${who} is in no group of the policy`, note);
    else if (dryRunOnly) reason = withNote(`Denied: ${dryRunOnly} lets ${who} run ${target} only as a dry run`, note);
    else reason = withNote(`Denied: no rule lets ${who} (groups: ${groups.join(', ')}) run ${target}`, note);
    return { decision: { allowed: false, reason }, note };
  }

  return {
    async decide(subject) {
      return (await evaluate(subject)).decision;
    },

    async mayApprove(approver, subject, requirement) {
      const who = principalOf(approver);
      // A terminal identity is a name typed at a keyboard: it approves only where the policy names CLI users as approvers.
      if (approver.kind !== 'slack' && approver.kind !== 'cli') return { allowed: false, reason: `Not allowed: approvals come from people; ${who} is not one.` };
      const cli = approver.kind === 'cli';
      const cliRefusal = (group: string) => ({
        allowed: false,
        reason: `Not allowed: ${who} is a CLI identity, and ${group.includes(',') ? 'groups' : 'group'} ${group} ${group.includes(',') ? 'name' : 'names'} no CLI user (cli:<user> or cli:*) who may approve; approve in Slack, or name CLI users in the policy.`,
      });
      if (approver.kind === subject.requester.kind && approver.id === subject.requester.id) {
        return { allowed: false, reason: `Not allowed: ${who} asked for this run and cannot approve it.` };
      }
      if (requirement.group !== undefined) {
        const group = requirement.group;
        if (!Object.hasOwn(doc.groups, group)) return { allowed: false, reason: `Not allowed: group ${group} is not in the policy.` };
        const m = membership(approver);
        if (await m.has(group)) return cli && !namesCli(group, approver) ? cliRefusal(group) : { allowed: true, reason: `${who} is in group ${group}.` };
        return { allowed: false, reason: withNote(`Not allowed: approvals must come from group ${group}, and ${who} is not in it`, m.note()) };
      }
      // Without a group, approvers are the people who could run it themselves, for real.
      const { decision, note, groups } = await evaluate({ ...subject, requester: approver, dryRun: false });
      const target = `${subject.runbook.id} on ${shown(subject.cluster)}`;
      // Any group of the allowing rule may name them (`*` in one group, cli:alice in another).
      if (decision.allowed && cli && groups && !groups.some((g) => namesCli(g, approver))) return cliRefusal(groups.join(', '));
      return decision.allowed
        ? { allowed: true, reason: `${who} may run ${target} (${decision.rule}).` }
        : { allowed: false, reason: withNote(`Not allowed: approvers must be allowed to run ${target} for real, and ${who} is not`, note) };
    },

    async groupsOf(requester) {
      return membership(requester).all();
    },

    gitopsMode(target) {
      for (const [i, entry] of doc.gitops.entries()) {
        if (entry.runbooks && !firstMatch(entry.runbooks, target.runbook)) continue;
        if (entry.clusters && !firstMatch(entry.clusters, target.cluster)) continue;
        if (entry.namespaces && !namespaceMatch(entry.namespaces, target.namespace)) continue;
        return { mode: entry.mode, entry: `gitops[${i}]` };
      }
      return undefined;
    },
  };
}

/** The policy when none is configured: every request is denied with `reason`. */
export function denyAllPolicy(reason: string): Policy {
  return {
    decide: () => Promise.resolve({ allowed: false, reason }),
    mayApprove: () => Promise.resolve({ allowed: false, reason }),
    groupsOf: () => Promise.resolve([]),
  };
}

/**
 * The policy when only the built-in sandbox cluster exists and no policy file
 * is configured: everyone (any Slack or CLI user, Alertmanager and the runbooks'
 * schedules) may run everything; approval only where runbooks declare it,
 * from anyone but the requester, a CLI identity included.
 */
export function sandboxPolicy(defaultTimeoutMs: number): Policy {
  const doc: PolicyDocument = {
    // cli:* by name: on the sandbox a second terminal identity may approve (the terminal chat's `as <name>`).
    groups: { everyone: ['*', 'cli:*', 'alertmanager', 'schedule:*'] },
    rules: [{ groups: ['everyone'], runbooks: ['*'], clusters: ['*'], namespaces: ['*'], dryRunOnly: false }],
    approvals: [],
    gitops: [],
  };
  return createPolicy(doc, { defaultTimeoutMs });
}
