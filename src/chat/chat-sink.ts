import type { ChatMessage } from './types.js';

/** Where run threads are written: Slack, or a terminal. */
export interface ChatSink {
  /** Which transport; keeps their followed threads apart in Redis. */
  readonly name: string;
  /** Posts a message (a reply when threadTs is given); returns its ts. */
  post(channel: string, message: ChatMessage, threadTs?: string): Promise<string>;
  update(channel: string, ts: string, message: ChatMessage): Promise<void>;
}
