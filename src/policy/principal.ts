import type { Requester } from '../runbook/types.js';

/**
 * Members of a policy group, as written in the file:
 * - `U012ABCDEF`, `W012ABCDEF`: a Slack user
 * - `S0123ABCD`: a Slack user group (its members, looked up at decision time)
 * - `cli:alice` (any host), `cli:alice@host1` (exact), `cli:*` (any CLI user)
 * - `alertmanager`: alert-triggered runs
 * - `schedule:<runbook>/<name>`, `schedule:<runbook>/*`, `schedule:*`: runs a runbook's schedule asks for
 * - `*`: any Slack or CLI user; never automation, which must be named
 */
export type Member =
  | { kind: 'anyone' }
  | { kind: 'alertmanager' }
  | { kind: 'schedule'; runbook?: string; name?: string }
  | { kind: 'slack-user'; id: string }
  | { kind: 'slack-group'; id: string }
  | { kind: 'cli'; user?: string; host?: string };

const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;
const SLACK_GROUP = /^S[A-Z0-9]{2,}$/;
const CLI_NAME = /^[A-Za-z0-9._\\-]+$/;
const CLI_HOST = /^[A-Za-z0-9._-]+$/;
const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** The member a string names, or an error explaining the syntax. */
export function parseMember(text: string): Member | { error: string } {
  if (text === '*') return { kind: 'anyone' };
  if (text === 'alertmanager') return { kind: 'alertmanager' };
  if (text.startsWith('schedule:')) {
    const rest = text.slice('schedule:'.length);
    if (rest === '*') return { kind: 'schedule' };
    const [runbook, name, extra] = rest.split('/');
    if (extra === undefined && runbook && KEBAB.test(runbook) && (name === '*' || (name !== undefined && KEBAB.test(name)))) {
      return name === '*' ? { kind: 'schedule', runbook } : { kind: 'schedule', runbook, name };
    }
  }
  if (SLACK_USER.test(text)) return { kind: 'slack-user', id: text };
  if (SLACK_GROUP.test(text)) return { kind: 'slack-group', id: text };
  if (text.startsWith('cli:')) {
    const rest = text.slice(4);
    if (rest === '*') return { kind: 'cli' };
    const at = rest.indexOf('@');
    const user = at < 0 ? rest : rest.slice(0, at);
    const host = at < 0 ? undefined : rest.slice(at + 1);
    if (CLI_NAME.test(user) && (host === undefined || CLI_HOST.test(host))) return host === undefined ? { kind: 'cli', user } : { kind: 'cli', user, host };
  }
  return {
    error: `bad member ${JSON.stringify(text)}: expected a Slack user id (U… or W…), a Slack user group id (S…), cli:<user>, cli:<user>@<host>, cli:*, alertmanager, schedule:<runbook>/<name>, schedule:<runbook>/*, schedule:* or *`,
  };
}

/** How a requester is named in policy reasons: the Slack id, `cli:user@host`, `alertmanager`, `schedule:<runbook>/<name>`. */
export function principalOf(requester: Requester): string {
  switch (requester.kind) {
    case 'slack':
      return requester.id;
    case 'cli':
      return `cli:${requester.id}`;
    case 'alert':
      return 'alertmanager';
    case 'schedule':
      return `schedule:${requester.id}`;
    case 'system':
      return `system:${requester.id}`;
  }
}

/**
 * Who a requester is as a person, for "the requester never approves" and
 * "each person counts once". A CLI user is their user name on any host, in
 * any case: `cli:grace` names grace on every host, and another host name (a
 * container, a second machine) is no proof of another person. The approve
 * script in approvals/proposal-store.ts computes the same key in Lua.
 */
export function personOf(requester: Requester): string {
  if (requester.kind !== 'cli') return `${requester.kind}:${requester.id}`;
  const at = requester.id.indexOf('@');
  const user = (at < 0 ? requester.id : requester.id.slice(0, at)).trim();
  return `cli:${user.replace(/[A-Z]/g, (c) => c.toLowerCase())}`;
}

/**
 * Whether a member matches a requester directly. Slack user groups are not
 * resolved here (they need a lookup) and never match. `system` requesters
 * match nothing.
 */
export function memberMatches(member: Member, requester: Requester): boolean {
  switch (member.kind) {
    case 'anyone':
      // Someone, not no one: an empty id (a message no user sent) matches no rule.
      return (requester.kind === 'slack' || requester.kind === 'cli') && requester.id.trim() !== '';
    case 'alertmanager':
      return requester.kind === 'alert';
    case 'schedule': {
      if (requester.kind !== 'schedule') return false;
      const [runbook, name] = requester.id.split('/');
      return (member.runbook === undefined || member.runbook === runbook) && (member.name === undefined || member.name === name);
    }
    case 'slack-user':
      return requester.kind === 'slack' && requester.id === member.id;
    case 'slack-group':
      return false;
    case 'cli': {
      if (requester.kind !== 'cli') return false;
      if (member.user === undefined) return true;
      const at = requester.id.indexOf('@');
      const user = at < 0 ? requester.id : requester.id.slice(0, at);
      const host = at < 0 ? undefined : requester.id.slice(at + 1);
      return user === member.user && (member.host === undefined || host === member.host);
    }
  }
}
