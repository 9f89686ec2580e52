import type { Requester } from '../runbook/types.js';
import { memberMatches, parseMember, type Member } from './principal.js';
import type { GroupMembersLookup } from './types.js';

/**
 * Group membership of one requester, for one decision: each group is resolved
 * once, each Slack user group looked up at most once. Lookups are lazy, so a
 * decision only asks Slack about the groups it needs.
 */
export class Membership {
  private readonly memo = new Map<string, Promise<boolean>>();
  private readonly lookups = new Map<string, Promise<ReadonlySet<string> | undefined>>();
  /** Slack user groups whose lookup failed. */
  readonly failed = new Set<string>();
  /** Slack user groups that could not be resolved because no lookup is configured. */
  readonly unresolved = new Set<string>();

  constructor(
    private readonly groups: Readonly<Record<string, readonly string[]>>,
    private readonly requester: Requester,
    private readonly groupMembers: GroupMembersLookup | undefined,
  ) {}

  /** Whether the requester is in the named group; an unknown group has no members. */
  async has(group: string): Promise<boolean> {
    let result = this.memo.get(group);
    if (!result) {
      result = this.resolve(this.groups[group] ?? []);
      this.memo.set(group, result);
    }
    return result;
  }

  /** Every group the requester is in, in the order the policy defines them. */
  async all(): Promise<string[]> {
    const names = Object.keys(this.groups);
    const flags = await Promise.all(names.map((g) => this.has(g)));
    return names.filter((_, i) => flags[i]);
  }

  /** A short note on lookups that could not be made, for reasons; empty when there were none. */
  note(): string {
    const parts: string[] = [];
    if (this.failed.size) parts.push(`Slack user group lookup failed for ${[...this.failed].join(', ')}, counted as not a member`);
    if (this.unresolved.size) parts.push(`Slack user groups ${[...this.unresolved].join(', ')} not resolved here, counted as not a member`);
    return parts.join('; ');
  }

  private async resolve(texts: readonly string[]): Promise<boolean> {
    const members = texts.map(parseMember).filter((m): m is Member => !('error' in m));
    if (members.some((m) => memberMatches(m, this.requester))) return true;
    if (this.requester.kind !== 'slack') return false;
    for (const m of members) {
      if (m.kind !== 'slack-group') continue;
      const ids = await this.lookup(m.id);
      if (ids?.has(this.requester.id)) return true;
    }
    return false;
  }

  private lookup(groupId: string): Promise<ReadonlySet<string> | undefined> {
    let pending = this.lookups.get(groupId);
    if (!pending) {
      const groupMembers = this.groupMembers;
      if (!groupMembers) {
        this.unresolved.add(groupId);
        pending = Promise.resolve(undefined);
      } else {
        pending = (async () => {
          try {
            return new Set(await groupMembers(groupId));
          } catch {
            // Fail closed: not a member. Logging why is the lookup function's job (it has the Slack context).
            this.failed.add(groupId);
            return undefined;
          }
        })();
      }
      this.lookups.set(groupId, pending);
    }
    return pending;
  }
}
