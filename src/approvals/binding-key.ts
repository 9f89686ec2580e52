import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The secret an approval hash is keyed with; see `bindingHash`. */
export type BindingKey = () => Promise<Buffer>;

/**
 * One key per installation (Redis prefix), made on first use and shared by
 * every process. People see approval hashes (the buttons, the message, the
 * audit log) but not Redis, so without the key nobody can test guesses of a
 * run's secret params, or of anything redacted from the plan, against a hash.
 */
export function bindingKeyIn(redis: Redis, prefix: string, options: { readOnly?: boolean } = {}): BindingKey {
  const key = `${prefix}:approvals:binding-key`;
  let loaded: Promise<Buffer> | undefined;
  const load = async (): Promise<Buffer> => {
    // An agent may only read it: the central Drover makes it when it starts.
    if (!options.readOnly) await redis.set(key, randomBytes(32).toString('hex'), 'NX');
    const hex = await redis.get(key);
    if (!hex) throw new Error(options.readOnly ? `The approval binding key ${key} is not in Redis: the central Drover makes it when it starts.` : `The approval binding key ${key} vanished from Redis.`);
    return Buffer.from(hex, 'hex');
  };
  return () => {
    loaded ??= load().catch((err: unknown) => {
      loaded = undefined; // a Redis blip is not remembered
      throw err;
    });
    return loaded;
  };
}
