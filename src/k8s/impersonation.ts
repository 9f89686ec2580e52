/**
 * Who a run acts as on an impersonating cluster. Fails closed: a requester
 * with no configured identity (and no default), or an alert run on a cluster
 * with no automation identity, is refused with `permission_denied`.
 */
import { DroverError } from '../errors.js';
import type { Requester } from '../runbook/types.js';
import { memberMatches, parseMember } from '../policy/principal.js';
import { isHeaderSafe, type ClusterImpersonation, type ImpersonationSettings } from './impersonation-settings.js';
import type { K8sIdentity } from './types.js';

/** The key a requester is listed under in `users`: the Slack user id, `cli:<user>@<host>` or `system:<id>` (a `cli:<user>` entry matches any host). */
export function requesterKey(requester: Requester): string {
  return requester.kind === 'slack' ? requester.id : `${requester.kind}:${requester.id}`;
}

/** A `cli:<user>` entry (any host) for a CLI requester `user@host`, matched as the policy matches it. */
function cliUserEntry(users: ClusterImpersonation['users'], requester: Requester): ClusterImpersonation['users'][string] | undefined {
  for (const [key, identity] of Object.entries(users)) {
    const member = parseMember(key);
    if (!('error' in member) && member.kind === 'cli' && member.user !== undefined && memberMatches(member, requester)) return identity;
  }
  return undefined;
}

function denied(cluster: string, requester: Requester, why: string): DroverError {
  return new DroverError('permission_denied', `Cluster ${cluster} impersonates requesters, and ${why}.`, {
    details: { cluster, requester: requesterKey(requester) },
  });
}

function fromTemplate(template: NonNullable<ClusterImpersonation['default']>, cluster: string, requester: Requester): K8sIdentity {
  const fill = (value: string): string => {
    if (value.includes('{name}') && !requester.name) throw denied(cluster, requester, `${requesterKey(requester)} has no name to put in its Kubernetes identity`);
    const filled = value.replaceAll('{id}', requester.id).replaceAll('{name}', requester.name ?? '');
    // A name from Slack may hold characters a header cannot carry.
    if (!isHeaderSafe(filled)) throw denied(cluster, requester, `the Kubernetes identity of ${requesterKey(requester)} is not a valid user or group name`);
    return filled;
  };
  return { user: fill(template.user), groups: [...new Set(template.groups.map(fill))] };
}

/**
 * The identity a run of `requester` acts as on `cluster`, or undefined when
 * the cluster does not impersonate (the bot's own credentials alone apply).
 * Throws `permission_denied` when the cluster impersonates and the requester
 * has no identity there.
 *
 * @example
 * ```ts
 * identityFor(config.clusters.impersonation, 'prod-eu', { kind: 'slack', id: 'U012ABCDEF' });
 * // → { user: 'alice@example.com', groups: ['sre', 'system:authenticated'] }
 * ```
 */
export function identityFor(settings: ImpersonationSettings, cluster: string, requester: Requester): K8sIdentity | undefined {
  const rules = settings[cluster];
  if (!rules) return undefined;
  // Alerts and schedules are automation: they act as the cluster's automation identity, or not at all.
  if (requester.kind === 'alert' || requester.kind === 'schedule') {
    if (!rules.automation) throw denied(cluster, requester, `${requester.kind === 'alert' ? 'alert-triggered' : 'scheduled'} runs have no automation identity configured`);
    return { user: rules.automation.user, groups: [...rules.automation.groups] };
  }
  const key = requesterKey(requester);
  const listed = rules.users[key] ?? (requester.kind === 'cli' ? cliUserEntry(rules.users, requester) : undefined);
  if (listed) return { user: listed.user, groups: [...listed.groups] };
  if (rules.default) return fromTemplate(rules.default, cluster, requester);
  throw denied(cluster, requester, `${key} has no Kubernetes identity configured`);
}

/**
 * Whether two requesters are one person by the operator's own mapping: on some
 * cluster both are listed (not merely templated) as the same Kubernetes user,
 * as when `U012ABCDEF` and `cli:alice` both map to `alice@example.com`.
 */
export function sameListedUser(settings: ImpersonationSettings, a: Requester, b: Requester): boolean {
  const listed = (rules: ClusterImpersonation, r: Requester) => rules.users[requesterKey(r)] ?? (r.kind === 'cli' ? cliUserEntry(rules.users, r) : undefined);
  return Object.values(settings).some((rules) => {
    const [ia, ib] = [listed(rules, a), listed(rules, b)];
    return ia !== undefined && ib !== undefined && ia.user === ib.user;
  });
}

/** Refuses (permission_denied) before anything is queued when the requester could not act on the cluster. */
export function checkIdentity(settings: ImpersonationSettings, cluster: string, requester: Requester): void {
  identityFor(settings, cluster, requester);
}
