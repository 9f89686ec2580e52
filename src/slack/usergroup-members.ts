import type { WebClient } from '@slack/web-api';

/**
 * Members of a Slack user group (usergroups.users.list, scope usergroups:read),
 * cached for `ttlMs` so a burst of decisions makes one call. A failed lookup
 * throws; the policy then counts nobody as a member (fail closed).
 */
export function usergroupMembers(client: WebClient, ttlMs = 60_000, now: () => number = Date.now): (groupId: string) => Promise<string[]> {
  const cache = new Map<string, { at: number; members: Promise<string[]> }>();
  return (groupId) => {
    const hit = cache.get(groupId);
    if (hit && now() - hit.at < ttlMs) return hit.members;
    const members = client.usergroups.users.list({ usergroup: groupId }).then((res) => res.users ?? []);
    cache.set(groupId, { at: now(), members });
    // A failure is not cached: the next decision asks again.
    members.catch(() => cache.delete(groupId));
    return members;
  };
}
