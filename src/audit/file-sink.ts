import { open, stat, truncate } from 'node:fs/promises';
import type { AuditSink, SinkState } from './sink.js';

interface Line {
  audit?: unknown;
  seq?: unknown;
  hash?: unknown;
  id?: unknown;
  time?: unknown;
}

const parse = (line: string): Line | undefined => {
  try {
    return JSON.parse(line) as Line;
  } catch {
    return undefined;
  }
};

const isEvent = (l: Line | undefined): l is { seq: number; hash: string; id: string } =>
  l?.audit === true && typeof l.seq === 'number' && typeof l.hash === 'string' && typeof l.id === 'string';

async function readAt(path: string, position: number, length: number): Promise<string> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await file.close();
  }
}

/**
 * The audit file (JSON lines). Its cursor is the file itself: its last event
 * line says where copying resumes, so the cursor can never disagree with the
 * file. A line left half-written by a process that died is cut off; the event
 * is copied again from Redis.
 */
export function fileSink(path: string): AuditSink {
  return {
    name: `file ${path}`,
    startAt: 'beginning',
    async state(): Promise<SinkState | undefined> {
      let size: number;
      try {
        size = (await stat(path)).size;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
      if (size === 0) return undefined;
      // The newest event and checkpoint are at the end: read backwards until an event line shows up.
      for (let chunk = 64 * 1024; ; chunk *= 4) {
        const from = Math.max(0, size - chunk);
        let text = await readAt(path, from, size - from);
        if (!text.endsWith('\n')) {
          const end = text.lastIndexOf('\n');
          if (end < 0 && from > 0) continue;
          // A partial last line from a process that died mid-write: drop it.
          await truncate(path, from + Buffer.byteLength(text.slice(0, end + 1)));
          text = text.slice(0, end + 1);
          size = from + Buffer.byteLength(text);
          if (size === 0) return undefined;
        }
        const lines = text.split('\n').filter(Boolean);
        if (from > 0) lines.shift(); // may start mid-line
        let checkpoint: SinkState['checkpoint'];
        for (let i = lines.length - 1; i >= 0; i--) {
          const l = parse(lines[i] as string);
          if (!checkpoint && l?.audit === 'checkpoint' && typeof l.seq === 'number' && typeof l.time === 'string') checkpoint = { seq: l.seq, time: l.time };
          if (isEvent(l)) {
            const head = lines.length && from === 0 ? lines : (await readAt(path, 0, Math.min(size, 64 * 1024))).split('\n');
            const first = head.map(parse).find(isEvent)?.seq ?? l.seq;
            return { seq: l.seq, hash: l.hash, id: l.id, first, ...(checkpoint ? { checkpoint } : {}) };
          }
        }
        if (from === 0) return undefined;
      }
    },
    async write(lines: string[]): Promise<void> {
      const file = await open(path, 'a', 0o600);
      try {
        await file.appendFile(lines.map((l) => `${l}\n`).join(''));
        await file.datasync();
      } finally {
        await file.close();
      }
    },
  };
}
