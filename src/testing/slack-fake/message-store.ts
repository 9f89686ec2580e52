/**
 * What the bot posted, per channel: each message's latest text and blocks
 * after updates, its thread, and the ephemeral messages it sent.
 */
import type { FakeEphemeral, FakeMessage } from './types.js';

export interface MessageContent {
  text?: string;
  blocks?: unknown[];
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

export class MessageStore {
  /** channel → ts → message, in posting order. */
  private readonly channels = new Map<string, Map<string, FakeMessage>>();
  private readonly ephemeralLog: FakeEphemeral[] = [];

  post(message: Omit<FakeMessage, 'edits'>): FakeMessage {
    let byTs = this.channels.get(message.channel);
    if (!byTs) {
      byTs = new Map();
      this.channels.set(message.channel, byTs);
    }
    const stored: FakeMessage = { ...copy(message), edits: 0 };
    byTs.set(message.ts, stored);
    return copy(stored);
  }

  /** chat.update semantics: given fields replace the old ones; omitted blocks are kept, `[]` removes them. */
  update(channel: string, ts: string, change: MessageContent): FakeMessage | undefined {
    const stored = this.channels.get(channel)?.get(ts);
    if (!stored) return undefined;
    if (change.text !== undefined) stored.text = change.text;
    if (change.blocks !== undefined) {
      if (change.blocks.length === 0) delete stored.blocks;
      else stored.blocks = copy(change.blocks);
    }
    stored.edits += 1;
    return copy(stored);
  }

  get(channel: string, ts: string): FakeMessage | undefined {
    const stored = this.channels.get(channel)?.get(ts);
    return stored ? copy(stored) : undefined;
  }

  topLevel(channel: string): FakeMessage[] {
    return [...(this.channels.get(channel)?.values() ?? [])].filter((m) => m.threadTs === undefined).map(copy);
  }

  thread(channel: string, threadTs: string): FakeMessage[] {
    return [...(this.channels.get(channel)?.values() ?? [])].filter((m) => m.threadTs === threadTs && m.ts !== threadTs).map(copy);
  }

  addEphemeral(message: FakeEphemeral): void {
    this.ephemeralLog.push(copy(message));
  }

  ephemerals(channel?: string): FakeEphemeral[] {
    return this.ephemeralLog.filter((e) => channel === undefined || e.channel === channel).map(copy);
  }
}
