import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { RedisAvailability } from '../../../src/http/redis-availability.js';

class FakeConnection extends EventEmitter {
  status = 'ready';
}

function deferred<T>() {
  let resolve: (v: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('RedisAvailability.guard under a burst', () => {
  it('many guarded calls at once share one close listener, removed when the last ends', async () => {
    const redis = new FakeConnection();
    const availability = new RedisAvailability(redis as unknown as Pick<Redis, 'status' | 'once' | 'off'>);
    const works = Array.from({ length: 50 }, () => deferred<number>());
    const calls = works.map((w) => availability.guard(() => w.promise));
    await new Promise((r) => setImmediate(r));
    expect(redis.listenerCount('close')).toBe(1);
    works.forEach((w, i) => w.resolve(i));
    await expect(Promise.all(calls)).resolves.toEqual(works.map((_, i) => i));
    expect(redis.listenerCount('close')).toBe(0);
  });

  it('a dropped connection fails every call in progress with redis_unavailable, and later calls watch the next drop', async () => {
    const redis = new FakeConnection();
    const availability = new RedisAvailability(redis as unknown as Pick<Redis, 'status' | 'once' | 'off'>);
    const never = new Promise<never>(() => undefined);
    const calls = Array.from({ length: 3 }, () => availability.guard(() => never));
    await new Promise((r) => setImmediate(r));
    redis.emit('close');
    for (const call of calls) await expect(call).rejects.toMatchObject({ code: 'redis_unavailable' });
    expect(redis.listenerCount('close')).toBe(0);

    const next = availability.guard(() => never);
    await new Promise((r) => setImmediate(r));
    expect(redis.listenerCount('close')).toBe(1);
    redis.emit('close');
    await expect(next).rejects.toMatchObject({ code: 'redis_unavailable' });
    await expect(availability.guard(() => Promise.resolve('ok'))).resolves.toBe('ok');
    expect(redis.listenerCount('close')).toBe(0);
  });
});
