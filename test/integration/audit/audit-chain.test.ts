import type { Redis } from 'ioredis';
import { AuditLog } from '../../../src/audit/audit-log.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';

describe('audit log in Redis: hash chain', () => {
  let redis: Redis;
  let other: Redis;
  let prefix: string;

  beforeEach(() => {
    redis = redisClient();
    other = redisClient();
    prefix = uniquePrefix('audit');
  });

  afterEach(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
    await other.quit();
  });

  const started = (i: number) => ({ type: 'run.started' as const, runId: `r${i}`, runbook: 'rb', cluster: 'c', attempt: 1, resumed: false });

  it('appends from two processes (connections) at once stay one verifiable chain', async () => {
    const a = new AuditLog({ redis, prefix });
    const b = new AuditLog({ redis: other, prefix });
    await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).append(started(i))));
    const events = await a.read();
    expect(events).toHaveLength(200);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(await a.verify()).toMatchObject({ ok: true, checked: 200 });
  });

  /** Rewrites the stream as someone with access to Redis could (fresh ascending entry ids). */
  async function rewrite(log: AuditLog, change: (entries: Array<[string, Record<string, unknown>]>) => Array<[string, Record<string, unknown>]>) {
    const entries = (await redis.xrange(log.key, '-', '+')).map(([id, f]) => [id, JSON.parse(f[1]!) as Record<string, unknown>] as [string, Record<string, unknown>]);
    const changed = change(entries);
    await redis.del(log.key);
    for (const [i, [, e]] of changed.entries()) await redis.xadd(log.key, `${i + 1}-0`, 'e', JSON.stringify(e));
  }

  it.each([
    ['edit', (e: Array<[string, Record<string, unknown>]>) => e.map(([id, ev]) => [id, ev.seq === 5 ? { ...ev, runId: 'tampered' } : ev] as [string, Record<string, unknown>]), 5, /altered/],
    ['delete', (e: Array<[string, Record<string, unknown>]>) => e.filter(([, ev]) => ev.seq !== 5), 6, /missing before event 6/],
    ['insert', (e: Array<[string, Record<string, unknown>]>) => {
      const copy = e.find(([, ev]) => ev.seq === 4)!;
      const at = e.findIndex(([, ev]) => ev.seq === 5);
      return [...e.slice(0, at), copy, ...e.slice(at)];
    }, 4, /out of order or inserted/],
    ['reorder', (e: Array<[string, Record<string, unknown>]>) => {
      const ids = e.map(([id]) => id);
      const events = e.map(([, ev]) => ev);
      [events[5], events[6]] = [events[6]!, events[5]!];
      return ids.map((id, i) => [id, events[i]!] as [string, Record<string, unknown>]);
    }, 7, /./],
  ])('verify names the first event that breaks after an %s', async (_what, change, seq, reason) => {
    const log = new AuditLog({ redis, prefix });
    for (let i = 0; i < 10; i++) await log.append(started(i));
    expect((await log.verify()).ok).toBe(true);
    await rewrite(log, change);
    const result = await log.verify();
    expect(result.ok).toBe(false);
    expect(result.broken?.seq).toBe(seq);
    expect(result.broken?.reason).toMatch(reason);
  });

  it('retention removes the oldest events and the anchor keeps the rest verifiable', async () => {
    const log = new AuditLog({ redis, prefix, maxLength: 10 });
    for (let i = 0; i < 25; i++) await log.append(started(i));
    const events = await log.read();
    expect(events.length).toBeLessThanOrEqual(10);
    expect(events.at(-1)?.seq).toBe(25);
    expect((await log.anchor()).seq).toBe((events[0]?.seq ?? 0) - 1);
    expect(await log.verify()).toMatchObject({ ok: true, head: { seq: 25 } });
    // Removing the oldest remaining event is not retention: the anchor no longer matches.
    await redis.xdel(log.key, events[0]!.id!);
    expect((await log.verify()).broken?.reason).toMatch(/missing/);
  });

  it('retention by age removes what is older than maxAge; the anchor keeps the rest verifiable', async () => {
    const log = new AuditLog({ redis, prefix });
    for (let i = 0; i < 5; i++) await log.append(started(i));
    await new Promise((r) => setTimeout(r, 30));
    const mid = Date.now();
    await new Promise((r) => setTimeout(r, 30));
    for (let i = 5; i < 10; i++) await log.append(started(i));
    // As seen one second after `mid`, with a one-second retention.
    const later = new AuditLog({ redis, prefix, now: () => new Date(mid + 1000) });
    expect(await later.prune(1000)).toBe(5);
    const events = await log.read();
    expect(events.map((e) => e.seq)).toEqual([6, 7, 8, 9, 10]);
    expect(await log.anchor()).toMatchObject({ seq: 5 });
    expect(await log.verify()).toMatchObject({ ok: true, head: { seq: 10 } });
    expect(await later.prune(1000)).toBe(0);
    // Appends go on from the head, after the pruned part.
    expect((await log.append(started(10))).seq).toBe(11);
    expect((await log.verify()).ok).toBe(true);
  });
});
