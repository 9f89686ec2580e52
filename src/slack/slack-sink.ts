import type { ChatSink } from '../chat/chat-sink.js';
import type { ChatMessage } from '../chat/types.js';
import type { Redacted } from '../redact/redacted.js';
import type { SlackOut } from './slack-out.js';

/**
 * Run threads in Slack. WebClient waits out a 429 (Retry-After) and sends the
 * call again, so a rate-limited message is delayed, never dropped.
 */
export class SlackSink implements ChatSink {
  readonly name = 'slack';

  constructor(private readonly out: SlackOut) {}

  async post(channel: string, message: Redacted<ChatMessage>, threadTs?: string): Promise<string> {
    return (await this.out.post(channel, message, threadTs)) ?? '';
  }

  async update(channel: string, ts: string, message: Redacted<ChatMessage>): Promise<void> {
    await this.out.update(channel, ts, message);
  }
}
