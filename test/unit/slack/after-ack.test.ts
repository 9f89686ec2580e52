import { AfterAck } from '../../../src/slack/after-ack.js';

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A clock the test moves; the hold is decided on it, the rechecks run on real (short) timers. */
function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('AfterAck: work after the acknowledgements', () => {
  it('runs every task once, in order of arrival, at most `concurrency` at a time', async () => {
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const after = new AfterAck(() => undefined, { concurrency: 3 });
    for (let i = 0; i < 20; i++) {
      after.push(async () => {
        started.push(i);
        most = Math.max(most, ++running);
        await tick(1);
        running--;
      });
    }
    await after.idle();
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(most).toBe(3);
  });

  it('starts nothing in the same turn as the push: the acknowledgement goes out first', async () => {
    const ran: string[] = [];
    const after = new AfterAck(() => undefined);
    after.push(async () => {
      ran.push('task');
      return Promise.resolve();
    });
    ran.push('ack');
    await Promise.resolve();
    expect(ran).toEqual(['ack']);
    await after.idle();
    expect(ran).toEqual(['ack', 'task']);
  });

  it('holds every task while requests are being answered, and runs them all once they are', async () => {
    let busy = true;
    const c = clock();
    const ran: number[] = [];
    const after = new AfterAck(() => undefined, { holdWhile: () => busy, maxHoldMs: 1000, now: c.now });
    for (let i = 0; i < 5; i++) after.push(() => Promise.resolve(void ran.push(i)));
    await tick(20);
    expect(ran).toEqual([]);
    busy = false;
    await after.idle();
    expect(ran).toEqual([0, 1, 2, 3, 4]);
  });

  it('holds the work no longer than maxHoldMs without a pause: sustained traffic still gets its work done', async () => {
    const c = clock();
    const ran: string[] = [];
    const after = new AfterAck(() => undefined, { holdWhile: () => true, maxHoldMs: 100, maxWaitMs: 10_000, now: c.now });
    after.push(() => Promise.resolve(void ran.push('a')));
    await tick(10); // the hold begins
    c.advance(60);
    after.push(() => Promise.resolve(void ran.push('b')));
    await tick(10);
    expect(ran).toEqual([]);
    c.advance(50); // held 110 ms without a pause
    await after.idle();
    expect(ran).toEqual(['a', 'b']);
  });

  it('a pause in the traffic restarts the hold; a task that has waited maxWaitMs in all starts anyway', async () => {
    const c = clock();
    let busy = true;
    const ran: string[] = [];
    // Concurrency 1 and a task that waits for the test: the next one queues behind it, unheld.
    let release = (): void => undefined;
    const after = new AfterAck(() => undefined, { concurrency: 1, holdWhile: () => busy, maxHoldMs: 100, maxWaitMs: 300, now: c.now });
    after.push(() => new Promise<void>((r) => (release = () => r(void ran.push('first')))));
    after.push(() => Promise.resolve(void ran.push('second')));
    busy = false;
    await tick(10); // the first starts (no traffic), the second waits for its slot
    busy = true;
    c.advance(250);
    release();
    await tick(10);
    expect(ran).toEqual(['first']); // held: the hold has just begun
    c.advance(60); // the second has waited 310 ms in all
    await after.idle();
    expect(ran).toEqual(['first', 'second']);
  });

  it('a task that fails (or throws before its promise) is reported, and the others still run', async () => {
    const errors: unknown[] = [];
    const ran: number[] = [];
    const after = new AfterAck((err) => errors.push(err), { concurrency: 1 });
    after.push(() => Promise.reject(new Error('boom')));
    after.push(() => {
      throw new Error('sync');
    });
    after.push(() => Promise.resolve(void ran.push(3)));
    await after.idle();
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom', 'sync']);
    expect(ran).toEqual([3]);
  });

  it('idle() resolves at once when nothing is queued', async () => {
    await expect(new AfterAck(() => undefined).idle()).resolves.toBeUndefined();
  });

  it('a shutdown waits for the work, but not past its bound: it says how much was left', async () => {
    const after = new AfterAck(() => undefined, { concurrency: 1 });
    let finish: () => void = () => undefined;
    after.push(() => new Promise<void>((r) => (finish = r)));
    after.push(() => Promise.resolve());
    expect(await after.drain(50)).toBe(2);
    finish();
    expect(await after.drain(1000)).toBe(0);
  });
});
