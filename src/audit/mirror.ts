import { createWriteStream, type WriteStream } from 'node:fs';
import type { AuditEvent } from './events.js';

/**
 * Copies of the audit log for log shipping: each event as one JSON line, hash
 * chain included, so the copy can be verified on its own.
 */
export function auditMirror(targets: { file?: string; stdout?: NodeJS.WritableStream }): { write: (event: AuditEvent) => void; close: () => Promise<void> } | undefined {
  const streams: NodeJS.WritableStream[] = [];
  let file: WriteStream | undefined;
  if (targets.file) {
    file = createWriteStream(targets.file, { flags: 'a', mode: 0o600 });
    streams.push(file);
  }
  if (targets.stdout) streams.push(targets.stdout);
  if (!streams.length) return undefined;
  return {
    write: (event) => {
      const line = `${JSON.stringify({ audit: true, ...event })}\n`;
      for (const s of streams) s.write(line);
    },
    close: () => new Promise<void>((resolve) => (file ? file.end(resolve) : resolve())),
  };
}
