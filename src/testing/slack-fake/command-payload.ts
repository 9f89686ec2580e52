/**
 * The body Slack POSTs for a slash command: form-encoded fields, in the order
 * Slack sends them. Bolt routes it as a command because `command` is set.
 */
import { DEFAULT_IDENTITY, DEFAULT_VERIFICATION_TOKEN, defaultResponseUrl, newTriggerId } from './identity.js';

export interface SlashCommandInput {
  /** Everything after the command: `run scale-web replicas=3`. */
  text: string;
  userId: string;
  userName: string;
  channelId: string;
  channelName?: string;
  /** Default `/drover`. */
  command?: string;
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
  triggerId?: string;
  /** Point it at `fake.responseUrl()` to record what `respond()` sends. */
  responseUrl?: string;
  token?: string;
}

export function slashCommandBody(input: SlashCommandInput): string {
  const teamId = input.teamId ?? DEFAULT_IDENTITY.teamId;
  return new URLSearchParams([
    ['token', input.token ?? DEFAULT_VERIFICATION_TOKEN],
    ['team_id', teamId],
    ['team_domain', input.teamDomain ?? DEFAULT_IDENTITY.teamDomain],
    ['channel_id', input.channelId],
    ['channel_name', input.channelName ?? input.channelId.toLowerCase()],
    ['user_id', input.userId],
    ['user_name', input.userName],
    ['command', input.command ?? '/drover'],
    ['text', input.text],
    ['api_app_id', input.apiAppId ?? DEFAULT_IDENTITY.appId],
    ['is_enterprise_install', 'false'],
    ['response_url', input.responseUrl ?? defaultResponseUrl('commands', teamId)],
    ['trigger_id', input.triggerId ?? newTriggerId()],
  ]).toString();
}
