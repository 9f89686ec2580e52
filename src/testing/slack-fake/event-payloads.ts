/**
 * The JSON bodies Slack POSTs to the Events API URL: the `event_callback`
 * envelope around an event, and the one-time `url_verification` challenge.
 */
import { DEFAULT_IDENTITY, DEFAULT_VERIFICATION_TOKEN, newClientMsgId, nowTs } from './identity.js';

export interface EventCallbackInput {
  /** `Ev…`; Slack redelivers with the same id (and `X-Slack-Retry-Num`) when the ack is late. */
  eventId: string;
  event: Record<string, unknown>;
  teamId?: string;
  apiAppId?: string;
  /** The bot user the event was authorized for (`authorizations[0].user_id`). */
  botUserId?: string;
  eventTime?: number;
  token?: string;
}

export interface AppMentionInput {
  /** As Slack delivers it, mention included: `<@U0DROVERBOT> status`. */
  text: string;
  user: string;
  channel: string;
  ts?: string;
  threadTs?: string;
  teamId?: string;
}

export function appMentionEvent(input: AppMentionInput): Record<string, unknown> {
  const ts = input.ts ?? nowTs();
  return {
    type: 'app_mention',
    client_msg_id: newClientMsgId(),
    text: input.text,
    user: input.user,
    ts,
    team: input.teamId ?? DEFAULT_IDENTITY.teamId,
    channel: input.channel,
    event_ts: ts,
    ...(input.threadTs === undefined ? {} : { thread_ts: input.threadTs }),
  };
}

export function eventCallbackBody(input: EventCallbackInput): string {
  const teamId = input.teamId ?? DEFAULT_IDENTITY.teamId;
  return JSON.stringify({
    token: input.token ?? DEFAULT_VERIFICATION_TOKEN,
    team_id: teamId,
    api_app_id: input.apiAppId ?? DEFAULT_IDENTITY.appId,
    event: input.event,
    type: 'event_callback',
    event_id: input.eventId,
    event_time: input.eventTime ?? Math.floor(Date.now() / 1000),
    authorizations: [
      { enterprise_id: null, team_id: teamId, user_id: input.botUserId ?? DEFAULT_IDENTITY.botUserId, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
  });
}

export function urlVerificationBody(challenge: string, token: string = DEFAULT_VERIFICATION_TOKEN): string {
  return JSON.stringify({ token, challenge, type: 'url_verification' });
}
