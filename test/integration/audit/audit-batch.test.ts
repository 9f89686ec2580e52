import type { Redis } from 'ioredis';
import { AuditLog } from '../../../src/audit/audit-log.js';
import { Redactor } from '../../../src/redact/redactor.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';

describe('audit log: appending a batch', () => {
  let redis: Redis;
  let other: Redis;
  let prefix: string;

  beforeEach(() => {
    redis = redisClient();
    other = redisClient();
    prefix = uniquePrefix('audit-batch');
  });

  afterEach(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
    await other.quit();
  });

  const received = (batch: string, i: number) => ({
    type: 'alert.received' as const,
    fingerprint: `${batch}${i}`,
    alertname: 'ThingBroken',
    status: 'firing' as const,
    startsAt: '2026-11-24T10:00:00Z',
    outcome: 'enqueued' as const,
    runIds: [`r-${batch}-${i}`],
  });

  it('keeps each batch in order and in one piece while another process appends, and the chain verifies', async () => {
    const a = new AuditLog({ redis, prefix });
    const b = new AuditLog({ redis: other, prefix });
    const batches = ['a', 'b', 'c', 'd'].map((name) => Array.from({ length: 300 }, (_, i) => received(name, i)));
    const singles = Array.from({ length: 100 }, (_, i) => b.append({ type: 'run.started', runId: `s${i}`, runbook: 'rb', cluster: 'c', attempt: 1, resumed: false }));
    const [stored] = await Promise.all([Promise.all(batches.map((batch, i) => (i % 2 ? b : a).appendMany(batch))), Promise.all(singles)]);
    for (const batch of stored) expect(batch.map((e) => e.seq)).toEqual(batch.map((_, i) => (batch[0]?.seq ?? 0) + i));

    const events = await a.read();
    expect(events).toHaveLength(1300);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    for (const name of ['a', 'b', 'c', 'd']) {
      const positions = events.flatMap((e, i) => ('fingerprint' in e && e.fingerprint.startsWith(name) && e.fingerprint.length > 1 ? [i] : []));
      expect(positions).toHaveLength(300);
      expect(positions.at(-1)! - positions[0]!).toBe(299); // nothing else in between
      expect(events.slice(positions[0], positions[0]! + 300).map((e) => ('fingerprint' in e ? e.fingerprint : ''))).toEqual(Array.from({ length: 300 }, (_, i) => `${name}${i}`));
    }
    expect(await a.verify()).toMatchObject({ ok: true, checked: 1300 });
  });

  it('redacts each event of a batch before it is chained', async () => {
    const log = new AuditLog({ redis, prefix, redactor: new Redactor() });
    const [event] = await log.appendMany([{ ...received('x', 1), reason: 'token=abcdef123456 leaked' }]);
    expect(event).toMatchObject({ reason: 'token=[redacted] leaked' });
    expect(JSON.stringify(await log.read())).not.toContain('abcdef123456');
    expect(await log.verify()).toMatchObject({ ok: true });
  });

  it('an empty batch appends nothing', async () => {
    const log = new AuditLog({ redis, prefix });
    expect(await log.appendMany([])).toEqual([]);
    expect(await log.read()).toEqual([]);
  });
});
