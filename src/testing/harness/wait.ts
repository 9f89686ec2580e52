import { DroverError } from '../../errors.js';

/** `promise`'s value, or undefined once `ms` have passed (the promise is left to settle on its own). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(ms, 0));
    timer.unref();
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Said when not even where a run stood could be read: Redis is the only thing every step needs. */
const NO_ANSWER = 'no answer from Redis (did it stop?) to say where the run stood';

/**
 * Polls `check` until it answers something, at most `timeoutMs`; then fails
 * with `what()` (read at that moment, so it can say where things stood). A
 * check that does not answer (Redis gone: its commands wait for a reconnect)
 * counts against the same bound.
 */
export async function waitUntil<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: () => Promise<string> | string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 100)) {
    const value = await within(check(), deadline - Date.now());
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      const where = (await within(Promise.resolve().then(what), 2000)) ?? NO_ANSWER;
      throw new DroverError('harness_timeout', `${where} (waited ${Math.round(timeoutMs / 1000)} s; a runbook harness option timeoutMs sets this bound).`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** `promise`, or a harness_timeout saying what got no answer once `timeoutMs` have passed. */
export async function bounded<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  const result = await within(promise.then((value) => ({ value })), timeoutMs);
  if (!result) throw new DroverError('harness_timeout', `${what}: no answer from Redis (did it stop?) (waited ${Math.round(timeoutMs / 1000)} s; a runbook harness option timeoutMs sets this bound).`);
  return result.value;
}
