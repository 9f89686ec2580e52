/** chat.postMessage, chat.update and chat.postEphemeral, validated as Slack validates them. */
import { checkMessageBlocks } from './block-limits.js';
import type { Channel } from './directory.js';
import { SlackFailure } from './failure.js';
import { hasScope } from './scopes.js';
import type { FakeState, MethodHandler } from './state.js';
import type { FakeMessage } from './types.js';
import { stringArg, type Args } from './wire.js';

/**
 * The channel the bot may write to. A private channel it is not in is
 * invisible to it (`channel_not_found`); a public one needs membership, or
 * `chat:write.public` for chat.postMessage.
 */
function writableChannel(args: Args, state: FakeState, publicScopeApplies: boolean): Channel {
  const channel = state.directory.channel(stringArg(args, 'channel') ?? '');
  if (!channel) throw new SlackFailure('channel_not_found');
  if (!channel.isMember) {
    if (channel.isPrivate) throw new SlackFailure('channel_not_found');
    if (!(publicScopeApplies && hasScope(state, 'chat:write.public'))) throw new SlackFailure('not_in_channel');
  }
  if (channel.isArchived) throw new SlackFailure('is_archived');
  return channel;
}

/** Text and blocks of a new message: one of text, blocks or attachments is required. */
function content(args: Args): { text: string; blocks?: unknown[] } {
  const text = stringArg(args, 'text');
  const blocks = checkMessageBlocks(args.blocks);
  const hasAttachments = Array.isArray(args.attachments) && args.attachments.length > 0;
  if (text === undefined && (blocks === undefined || blocks.length === 0) && !hasAttachments) throw new SlackFailure('no_text');
  return { text: text ?? '', ...(blocks === undefined ? {} : { blocks }) };
}

/** A message as Slack echoes it back in `message`. */
function wireMessage(m: FakeMessage, state: FakeState): Record<string, unknown> {
  const { identity } = state;
  return {
    type: 'message',
    user: m.user,
    bot_id: identity.botId,
    app_id: identity.appId,
    team: identity.teamId,
    text: m.text,
    ts: m.ts,
    ...(m.blocks === undefined ? {} : { blocks: m.blocks }),
    ...(m.threadTs === undefined ? {} : { thread_ts: m.threadTs, parent_user_id: m.user }),
    bot_profile: { id: identity.botId, app_id: identity.appId, name: identity.botName, team_id: identity.teamId, deleted: false },
  };
}

const postMessage: MethodHandler = (args, state) => {
  const channel = writableChannel(args, state, true);
  const threadTs = stringArg(args, 'thread_ts');
  const message = state.messages.post({
    channel: channel.id,
    ts: state.nextTs(),
    user: state.identity.botUserId,
    ...content(args),
    ...(threadTs === undefined ? {} : { threadTs }),
  });
  return { ok: true, channel: channel.id, ts: message.ts, message: wireMessage(message, state) };
};

const update: MethodHandler = (args, state) => {
  const channel = writableChannel(args, state, false);
  const ts = stringArg(args, 'ts');
  const current = ts === undefined ? undefined : state.messages.get(channel.id, ts);
  if (ts === undefined || !current) throw new SlackFailure('message_not_found');
  const text = stringArg(args, 'text');
  const blocks = checkMessageBlocks(args.blocks);
  if (text === undefined && blocks === undefined && args.attachments === undefined) throw new SlackFailure('no_text');
  const updated = state.messages.update(channel.id, ts, { ...(text === undefined ? {} : { text }), ...(blocks === undefined ? {} : { blocks }) });
  if (!updated) throw new SlackFailure('message_not_found');
  return { ok: true, channel: channel.id, ts, text: updated.text, message: wireMessage(updated, state) };
};

/** Ephemeral messages need the bot in the channel: chat:write.public does not cover them. */
const postEphemeral: MethodHandler = (args, state) => {
  const channel = writableChannel(args, state, false);
  const userId = stringArg(args, 'user');
  const user = userId === undefined ? undefined : state.directory.user(userId);
  if (!user) throw new SlackFailure('user_not_found');
  const threadTs = stringArg(args, 'thread_ts');
  const messageTs = state.nextTs();
  state.messages.addEphemeral({
    channel: channel.id,
    user: user.id,
    messageTs,
    ...content(args),
    ...(threadTs === undefined ? {} : { threadTs }),
  });
  return { ok: true, message_ts: messageTs };
};

export const chatMethods: Readonly<Record<string, MethodHandler>> = {
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.postEphemeral': postEphemeral,
};
