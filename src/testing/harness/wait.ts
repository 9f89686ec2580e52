import { DroverError } from '../../errors.js';

/**
 * Polls `check` until it answers something, at most `timeoutMs`; then fails
 * with `what()` (read at that moment, so it can say where things stood).
 */
export async function waitUntil<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: () => Promise<string> | string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 100)) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new DroverError('harness_timeout', `${await what()} (waited ${Math.round(timeoutMs / 1000)} s; a runbook harness option timeoutMs sets this bound).`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
