import type { Redis } from 'ioredis';
import { bindingKeyIn } from '../../../src/approvals/binding-key.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';

describe('the approval binding key', () => {
  let redis: Redis;
  let other: Redis;
  let prefix: string;

  beforeEach(() => {
    redis = redisClient();
    other = redisClient();
    prefix = uniquePrefix('binding-key');
  });

  afterEach(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
    await other.quit();
  });

  it('is made once per installation and shared by every process, even when they start together', async () => {
    const [a, b] = await Promise.all([bindingKeyIn(redis, prefix)(), bindingKeyIn(other, prefix)()]);
    expect(a.length).toBe(32);
    expect(a.equals(b)).toBe(true);
    // A process started later (a worker that verifies what another planned) gets the same key.
    expect((await bindingKeyIn(redis, prefix)()).equals(a)).toBe(true);
  });

  it('differs between installations', async () => {
    const a = await bindingKeyIn(redis, prefix)();
    const b = await bindingKeyIn(redis, `${prefix}:elsewhere`)();
    expect(a.equals(b)).toBe(false);
  });

  it('is read once per process', async () => {
    const key = bindingKeyIn(redis, prefix);
    const first = await key();
    await redis.set(`${prefix}:approvals:binding-key`, 'ff'.repeat(32));
    expect((await key()).equals(first)).toBe(true);
  });
});
