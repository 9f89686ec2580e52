import type { Redis } from 'ioredis';
import type { AuditSink, SinkState } from './sink.js';

/**
 * Standard output (or any stream), for log shipping to a SIEM. Its cursor is
 * kept in Redis, shared by every Drover process, so each event is printed by
 * one process once; one that dies between printing and saving the cursor
 * prints its last lines again (at least once: a SIEM deduplicates on `seq`).
 */
export function streamSink(out: NodeJS.WritableStream, redis: Redis, cursorKey: string): AuditSink {
  return {
    name: 'stdout',
    startAt: 'end',
    async state(): Promise<SinkState | undefined> {
      const raw = await redis.get(cursorKey);
      return raw ? (JSON.parse(raw) as SinkState) : undefined;
    },
    async write(lines: string[], state: SinkState): Promise<void> {
      const text = lines.map((l) => `${l}\n`).join('');
      await new Promise<void>((resolve, reject) => out.write(text, (err) => (err ? reject(err) : resolve())));
      await redis.set(cursorKey, JSON.stringify(state));
    },
  };
}
