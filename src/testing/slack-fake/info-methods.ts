/** auth.test and the directory look-ups: conversations.info, users.info, usergroups.users.list. */
import { SlackFailure, invalidArguments } from './failure.js';
import type { MethodHandler } from './state.js';
import { stringArg } from './wire.js';

/** Bolt reads `user_id` and `bot_id` (its botUserId/botId) from this at start-up. */
const authTest: MethodHandler = (_args, { identity }) => ({
  ok: true,
  url: `https://${identity.teamDomain}.slack.com/`,
  team: identity.teamName,
  user: identity.botName,
  team_id: identity.teamId,
  user_id: identity.botUserId,
  bot_id: identity.botId,
  is_enterprise_install: false,
});

const conversationsInfo: MethodHandler = (args, { directory }) => {
  const channel = directory.channel(stringArg(args, 'channel') ?? '');
  // The bot cannot see private channels it is not in.
  if (!channel || (channel.isPrivate && !channel.isMember)) throw new SlackFailure('channel_not_found');
  return {
    ok: true,
    channel: {
      id: channel.id,
      name: channel.name,
      name_normalized: channel.name,
      is_channel: !channel.isPrivate,
      is_group: channel.isPrivate,
      is_im: false,
      is_mpim: false,
      is_private: channel.isPrivate,
      is_archived: channel.isArchived,
      is_general: false,
      is_shared: false,
      is_ext_shared: false,
      is_org_shared: false,
      is_member: channel.isMember,
      created: 1700000000,
    },
  };
};

const usersInfo: MethodHandler = (args, { directory, identity }) => {
  const user = directory.user(stringArg(args, 'user') ?? '');
  if (!user) throw new SlackFailure('user_not_found');
  const realName = user.realName ?? user.name;
  const displayName = user.displayName ?? '';
  return {
    ok: true,
    user: {
      id: user.id,
      team_id: identity.teamId,
      name: user.name,
      deleted: user.deleted ?? false,
      real_name: realName,
      tz: user.tz ?? 'Etc/UTC',
      is_bot: user.isBot ?? false,
      is_app_user: false,
      is_admin: false,
      is_owner: false,
      profile: {
        real_name: realName,
        real_name_normalized: realName,
        display_name: displayName,
        display_name_normalized: displayName,
        team: identity.teamId,
      },
    },
  };
};

const userGroupMembers: MethodHandler = (args, { directory }) => {
  const id = stringArg(args, 'usergroup');
  if (id === undefined) throw invalidArguments('missing required field: usergroup');
  const users = directory.group(id);
  if (!users) throw new SlackFailure('no_such_subteam');
  return { ok: true, users };
};

export const infoMethods: Readonly<Record<string, MethodHandler>> = {
  'auth.test': authTest,
  'conversations.info': conversationsInfo,
  'users.info': usersInfo,
  'usergroups.users.list': userGroupMembers,
};
