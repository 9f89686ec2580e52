import type { RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { ChatMessage, ModalView } from '../chat/types.js';
import type { Redacted } from '../redact/redacted.js';

/**
 * The one door to Slack's write methods. Each takes redacted content only, so
 * a message that skipped the redactor does not type-check; the lint forbids
 * calling the WebClient's write methods anywhere else.
 */
export class SlackOut {
  constructor(private readonly client: WebClient) {}

  /** Posts a message (a reply when threadTs is given); returns its ts. */
  async post(channel: string, message: Redacted<ChatMessage>, threadTs?: string): Promise<string | undefined> {
    const res = await this.client.chat.postMessage({
      channel,
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
      unfurl_links: false,
      unfurl_media: false,
    });
    return res.ts;
  }

  async postEphemeral(channel: string, user: string, message: Redacted<ChatMessage>, threadTs?: string): Promise<void> {
    await this.client.chat.postEphemeral({
      channel,
      user,
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
  }

  async update(channel: string, ts: string, message: Redacted<ChatMessage>): Promise<void> {
    await this.client.chat.update({ channel, ts, text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) });
  }

  async openView(triggerId: string, view: Redacted<ModalView>): Promise<void> {
    await this.client.views.open({ trigger_id: triggerId, view });
  }

  /** An ephemeral answer through a slash command's response_url. */
  static async respond(respond: RespondFn, message: Redacted<ChatMessage>): Promise<void> {
    await respond({ response_type: 'ephemeral', text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) });
  }
}
