/**
 * The bodies Slack POSTs to the interactivity URL: form-encoded `payload=<json>`
 * of type `block_actions` (a button in a message) or `view_submission`
 * (a modal submitted).
 */
import { DEFAULT_IDENTITY, DEFAULT_VERIFICATION_TOKEN, defaultResponseUrl, newTriggerId, nowTs } from './identity.js';

/** One input's state as Slack reports it in `view.state.values[blockId][actionId]`. */
export interface ViewStateValue {
  /** `plain_text_input`, `static_select`, `multi_static_select`, `checkboxes`, `number_input`… */
  type: string;
  value?: string | null;
  selected_option?: { text: { type: 'plain_text'; text: string; emoji?: boolean }; value: string } | null;
  selected_options?: { text: { type: 'plain_text'; text: string; emoji?: boolean }; value: string }[];
  [key: string]: unknown;
}

export type ViewStateValues = Record<string, Record<string, ViewStateValue>>;

interface Common {
  userId: string;
  userName?: string;
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
  triggerId?: string;
  token?: string;
}

export interface BlockActionInput extends Common {
  actionId: string;
  value: string;
  channelId: string;
  channelName?: string;
  /** The message holding the button. */
  messageTs: string;
  /** Its text and blocks (e.g. `fake.message(channel, ts)`); the button's block id and label come from them. */
  message?: { text: string; blocks?: unknown[]; user?: string };
  blockId?: string;
  responseUrl?: string;
}

export interface ViewSubmissionInput extends Common {
  callbackId: string;
  privateMetadata?: string;
  values: ViewStateValues;
  viewId?: string;
  /** The view as opened (e.g. `fake.view(id)`): blocks, title, hash, ids are taken from it. */
  view?: Record<string, unknown>;
}

function formPayload(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

function parties(input: Common): Record<string, unknown> {
  const teamId = input.teamId ?? DEFAULT_IDENTITY.teamId;
  const name = input.userName ?? input.userId.toLowerCase();
  return {
    user: { id: input.userId, username: name, name, team_id: teamId },
    api_app_id: input.apiAppId ?? DEFAULT_IDENTITY.appId,
    token: input.token ?? DEFAULT_VERIFICATION_TOKEN,
    trigger_id: input.triggerId ?? newTriggerId(),
    team: { id: teamId, domain: input.teamDomain ?? DEFAULT_IDENTITY.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
  };
}

/** The block and element holding `actionId` in a message's blocks, if any. */
function findElement(blocks: unknown[] | undefined, actionId: string): { blockId?: string; element?: Record<string, unknown> } {
  for (const block of blocks ?? []) {
    const b = block as Record<string, unknown>;
    const candidates = [...(Array.isArray(b.elements) ? (b.elements as unknown[]) : []), b.accessory];
    const element = candidates.find((e) => (e as Record<string, unknown> | undefined)?.action_id === actionId) as Record<string, unknown> | undefined;
    if (element) return { ...(typeof b.block_id === 'string' ? { blockId: b.block_id } : {}), element };
  }
  return {};
}

export function blockActionBody(input: BlockActionInput): string {
  const found = findElement(input.message?.blocks, input.actionId);
  const label = (found.element?.text as Record<string, unknown> | undefined) ?? { type: 'plain_text', text: input.value, emoji: true };
  const base = parties(input);
  return formPayload({
    type: 'block_actions',
    ...base,
    container: { type: 'message', message_ts: input.messageTs, channel_id: input.channelId, is_ephemeral: false },
    channel: { id: input.channelId, name: input.channelName ?? input.channelId.toLowerCase() },
    message: {
      type: 'message',
      user: input.message?.user ?? DEFAULT_IDENTITY.botUserId,
      bot_id: DEFAULT_IDENTITY.botId,
      app_id: base.api_app_id,
      team: (base.team as { id: string }).id,
      ts: input.messageTs,
      text: input.message?.text ?? '',
      ...(input.message?.blocks === undefined ? {} : { blocks: input.message.blocks }),
    },
    state: { values: {} },
    response_url: input.responseUrl ?? defaultResponseUrl('actions', (base.team as { id: string }).id),
    actions: [
      {
        action_id: input.actionId,
        block_id: input.blockId ?? found.blockId ?? 'actions',
        text: label,
        value: input.value,
        type: typeof found.element?.type === 'string' ? found.element.type : 'button',
        ...(typeof found.element?.style === 'string' ? { style: found.element.style } : {}),
        action_ts: nowTs(),
      },
    ],
  });
}

export function viewSubmissionBody(input: ViewSubmissionInput): string {
  const base = parties(input);
  const opened = input.view ?? {};
  const id = input.viewId ?? (typeof opened.id === 'string' ? opened.id : 'V0SUBMITTED');
  const teamId = (base.team as { id: string }).id;
  return formPayload({
    type: 'view_submission',
    ...base,
    view: {
      type: 'modal',
      blocks: [],
      title: { type: 'plain_text', text: 'Drover', emoji: true },
      close: null,
      submit: { type: 'plain_text', text: 'Submit', emoji: true },
      clear_on_close: false,
      notify_on_close: false,
      external_id: '',
      previous_view_id: null,
      root_view_id: id,
      hash: `${Math.floor(Date.now() / 1000)}.0000abcd`,
      ...opened,
      id,
      team_id: teamId,
      callback_id: input.callbackId,
      private_metadata: input.privateMetadata ?? (typeof opened.private_metadata === 'string' ? opened.private_metadata : ''),
      state: { values: input.values },
      app_id: base.api_app_id,
      app_installed_team_id: teamId,
      bot_id: DEFAULT_IDENTITY.botId,
    },
    response_urls: [],
  });
}
