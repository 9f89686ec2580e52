import { randomBytes } from 'node:crypto';

/** Short, time-ordered, URL- and chat-safe run id: `r` + base36 time + 6 random chars. */
export function newRunId(now = Date.now()): string {
  const random = randomBytes(5).readUIntBE(0, 5).toString(36).padStart(6, '0').slice(-6);
  return `r${now.toString(36)}${random}`;
}

export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{2,127}$/;
