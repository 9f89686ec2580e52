import type { WebClient } from '@slack/web-api';
import type { ChatSink } from '../chat/chat-sink.js';
import type { ChatMessage } from '../chat/types.js';

/**
 * Run threads in Slack. WebClient waits out a 429 (Retry-After) and sends the
 * call again, so a rate-limited message is delayed, never dropped.
 */
export class SlackSink implements ChatSink {
  readonly name = 'slack';

  constructor(private readonly client: WebClient) {}

  async post(channel: string, message: ChatMessage, threadTs?: string): Promise<string> {
    const res = await this.client.chat.postMessage({
      channel,
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
      unfurl_links: false,
      unfurl_media: false,
    });
    return res.ts ?? '';
  }

  async update(channel: string, ts: string, message: ChatMessage): Promise<void> {
    await this.client.chat.update({ channel, ts, text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) });
  }
}
