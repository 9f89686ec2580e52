/**
 * Which bot scope each method needs, so a fake started with the manifest's
 * scopes answers `missing_scope` exactly where production Slack would.
 */
import { SlackFailure } from './failure.js';
import type { FakeState } from './state.js';
import { stringArg, type Args } from './wire.js';

const BY_METHOD: Readonly<Record<string, string>> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'users.info': 'users:read',
  'usergroups.users.list': 'usergroups:read',
};

export function requiredScope(method: string, args: Args, state: FakeState): string | undefined {
  if (method === 'conversations.info') {
    const channel = state.directory.channel(stringArg(args, 'channel') ?? '');
    return channel?.isPrivate ? 'groups:read' : 'channels:read';
  }
  return BY_METHOD[method];
}

export function hasScope(state: FakeState, scope: string): boolean {
  return state.scopes?.includes(scope) ?? false;
}

export function checkScope(method: string, args: Args, state: FakeState): void {
  if (state.scopes === undefined) return;
  const needed = requiredScope(method, args, state);
  if (needed !== undefined && !state.scopes.includes(needed)) {
    throw new SlackFailure('missing_scope', { needed, provided: state.scopes.join(',') });
  }
}
