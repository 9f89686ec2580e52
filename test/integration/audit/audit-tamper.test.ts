import type { Redis } from 'ioredis';
import { AuditLog } from '../../../src/audit/audit-log.js';
import type { AuditKey } from '../../../src/audit/audit-key.js';
import type { Checkpoint } from '../../../src/audit/checkpoint.js';
import { seal } from '../../../src/audit/seal.js';
import { KEY, OTHER_KEY, checkpointOf, relink, tamperings, type Ev } from '../../support/audit-chain.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';

const N = 12;
const started = (i: number) => ({ type: 'run.started' as const, runId: `r${i}`, runbook: 'rb', cluster: 'c', attempt: 1, resumed: false });

// Someone with write access to Redis, but not to the audit key or the checkpoints kept outside it.
describe.each([
  ['keyed', KEY],
  ['unkeyed', undefined],
] as Array<[string, AuditKey | undefined]>)('the audit log in Redis, %s, under tampering', (label, key) => {
  let redis: Redis;
  let prefix: string;
  let log: AuditLog;
  let events: Ev[];
  let heads: string[];
  let checkpoint: Checkpoint;

  beforeAll(async () => {
    redis = redisClient();
    prefix = uniquePrefix(`tamper-${label}`);
    log = new AuditLog({ redis, prefix, ...(key ? { key } : {}) });
    heads = [''];
    for (let i = 1; i <= N; i++) {
      await log.append(started(i));
      heads.push((await redis.get(`${log.key}:head`))!);
    }
    events = (await redis.xrange(log.key, '-', '+')).map(([, f]) => JSON.parse(f[1]!) as Ev);
    checkpoint = checkpointOf(events, key);
  });

  afterAll(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  /** Replaces the stream (fresh ascending ids), and the head and anchor when given. */
  async function store(changed: Array<Record<string, unknown>>, keys: { head?: string | null; anchor?: string | null } = {}) {
    await redis.del(log.key);
    for (const [i, e] of changed.entries()) await redis.xadd(log.key, `${i + 1}-0`, 'e', JSON.stringify(e));
    for (const [name, value] of Object.entries(keys)) {
      if (value === null) await redis.del(`${log.key}:${name}`);
      else if (value !== undefined) await redis.set(`${log.key}:${name}`, value);
    }
  }

  afterEach(async () => {
    await store(events, { head: heads[N]!, anchor: null });
  });

  it('verifies untouched, against the head and the checkpoint', async () => {
    expect(await log.verify({ checkpoint })).toMatchObject({ ok: true, checked: N, head: { seq: N }, keyed: key ? N : 0 });
  });

  // The head key is left as Drover wrote it.
  it.each(tamperings(N).map((t) => [t.name, t] as const))('catches %s, without a checkpoint', async (_name, t) => {
    await store(t.change(events));
    const result = await log.verify();
    expect(result.ok).toBe(false);
    if (t.kind === 'edit') expect(result.broken?.seq).toBe(t.at);
    if (t.kind === 'truncate') expect(result.broken?.reason).toMatch(new RegExp(`missing at the end: Drover's head names #${N} but the log ends at #${t.at}`));
  });

  // Every hash recomputed (SHA-256, or HMAC with a key of the attacker's) and the head reset to match.
  it.each(tamperings(N).map((t) => [t.name, t] as const))('catches %s with every hash and the head recomputed', async (_name, t) => {
    const rewritten = relink(t.change(events), key ? OTHER_KEY : undefined);
    const last = rewritten[rewritten.length - 1];
    await store(rewritten, { head: last ? JSON.stringify(seal('head', { seq: last.seq, hash: last.hash }, key ? OTHER_KEY : undefined)) : null });
    // Unkeyed, an event forged after the checkpoint's is just an append, which anyone can make: only the key tells.
    const appendedOnly = !key && t.kind === 'insert' && t.at === N;
    expect((await log.verify({ checkpoint })).ok).toBe(appendedOnly);
    // Without a checkpoint only the key tells (and an emptied log, head gone, looks like a new one).
    expect((await log.verify()).ok).toBe(!key || rewritten.length === 0);
  });

  it('catches a rewrite that drops the key and recomputes SHA-256 (a downgrade)', async () => {
    const rewritten = relink(events.map((e, i) => (i === 3 ? { ...e, runId: 'forged' } : e)));
    const last = rewritten[N - 1]!;
    await store(rewritten, { head: JSON.stringify({ seq: last.seq, hash: last.hash }) });
    const result = await log.verify();
    if (key) expect(result).toMatchObject({ ok: false, broken: { seq: 1, reason: expect.stringMatching(/#1–#12 are unkeyed .* though a key is configured/) as string } });
    else expect(result.ok).toBe(true);
  });

  it.each([1, 5, N - 1])('catches the newest events deleted and the head set back to #%i', async (keep) => {
    const last = events[keep - 1]!;
    await store(events.slice(0, keep), { head: JSON.stringify({ seq: last.seq, hash: last.hash }) });
    const alone = await log.verify();
    if (key) expect(alone).toMatchObject({ ok: false, broken: { reason: expect.stringMatching(/head is not signed/) as string } });
    else expect(alone.ok).toBe(true);
    // A head Drover really wrote back then (replayed): only the checkpoint outside Redis tells.
    await store(events.slice(0, keep), { head: heads[keep]! });
    expect((await log.verify()).ok).toBe(true);
    expect(await log.verify({ checkpoint })).toMatchObject({ ok: false, broken: { reason: expect.stringMatching(new RegExp(`ends at #${keep} but the checkpoint .* covers up to #${N}`)) as string } });
  });

  it('catches a forged anchor hiding the oldest events removed', async () => {
    const anchor = { seq: 4, hash: events[3]!.hash };
    await store(events.slice(4), { anchor: JSON.stringify(anchor) });
    const result = await log.verify({ checkpoint });
    if (key) expect(result).toMatchObject({ ok: false, broken: { seq: 4, reason: expect.stringMatching(/anchor is not signed/) as string } });
    // Unkeyed, it is indistinguishable from retention: the key is what makes it visible.
    else expect(result.ok).toBe(true);
    await store(events.slice(4), { anchor: JSON.stringify(seal('anchor', anchor, OTHER_KEY)) });
    expect((await log.verify()).ok).toBe(false);
  });

  it('catches a forged checkpoint', async () => {
    const forged = { ...checkpoint, seq: 11, hash: events[10]!.hash };
    const result = await log.verify({ checkpoint: forged });
    if (key) expect(result).toMatchObject({ ok: false, broken: { reason: expect.stringMatching(/signature does not match/) as string } });
    else expect(result.ok).toBe(true);
    const unsigned = { ...checkpoint, kid: undefined, mac: undefined };
    expect((await log.verify({ checkpoint: unsigned })).ok).toBe(!key);
    expect((await log.verify({ checkpoint: { ...checkpoint, hash: events[0]!.hash } })).ok).toBe(false);
  });

  it('catches the head deleted together with the newest events, given a checkpoint', async () => {
    await store(events.slice(0, 7), { head: null });
    expect(await log.verify()).toMatchObject({ ok: false, broken: { reason: expect.stringMatching(/head is missing/) as string } });
    await store([], { head: null });
    expect((await log.verify()).ok).toBe(true);
    expect(await log.verify({ checkpoint })).toMatchObject({ ok: false, broken: { reason: expect.stringMatching(/ends at #0/) as string } });
  });
});
