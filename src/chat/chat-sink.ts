import type { Redacted } from '../redact/redacted.js';
import type { ChatMessage } from './types.js';

/** Where run threads are written: Slack, or a terminal. Messages arrive redacted. */
export interface ChatSink {
  /** Which transport; keeps their followed threads apart in Redis. */
  readonly name: string;
  /** Posts a message (a reply when threadTs is given); returns its ts. */
  post(channel: string, message: Redacted<ChatMessage>, threadTs?: string): Promise<string>;
  update(channel: string, ts: string, message: Redacted<ChatMessage>): Promise<void>;
}
