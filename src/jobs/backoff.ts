import { DroverError } from '../errors.js';

/**
 * Delay before retry number `attempt` (1 = first retry): exponential from
 * `baseMs`, capped at `maxMs`, and never shorter than the API server's
 * Retry-After when it sent one (429).
 */
export function retryDelay(attempt: number, err: unknown, baseMs: number, maxMs: number): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  const retryAfter = err instanceof DroverError ? Number(err.details.retryAfterSeconds ?? 0) : 0;
  return Math.max(exponential, Number.isFinite(retryAfter) ? Math.min(retryAfter * 1000, 10 * maxMs) : 0);
}
