import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Redis } from 'ioredis';
import { AuditLog } from '../../../src/audit/audit-log.js';
import { AuditShipper } from '../../../src/audit/audit-shipper.js';
import { fileSink } from '../../../src/audit/file-sink.js';
import { streamSink } from '../../../src/audit/stream-sink.js';
import { verifyAuditFile } from '../../../src/audit/verify-file.js';
import { KEY } from '../../support/audit-chain.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';

const cancel = (i: number) => ({ type: 'run.cancel.requested' as const, runId: `r${i}`, actor: { kind: 'cli' as const, id: 'x' } });
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { audit: true | 'checkpoint'; seq: number });

describe('the audit file, filled by one drainer at a time', () => {
  let redis: Redis;
  let other: Redis;
  let prefix: string;
  let dir: string;
  const errors: string[] = [];
  const onError = (sink: string, message: string) => errors.push(`${sink}: ${message}`);

  beforeEach(() => {
    redis = redisClient();
    other = redisClient();
    prefix = uniquePrefix('ship');
    dir = mkdtempSync(join(tmpdir(), 'drover-ship-'));
    errors.length = 0;
  });

  afterEach(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
    await other.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two processes appending and two draining at once: every event once, in order, and the file verifies', async () => {
    const file = join(dir, 'audit.jsonl');
    const a = new AuditLog({ redis, prefix, key: KEY });
    const b = new AuditLog({ redis: other, prefix, key: KEY });
    const shippers = [redis, other].map((r) => new AuditShipper({ redis: r, streamKey: a.key, sinks: [fileSink(file)], key: KEY, checkpointIntervalMs: 0, onError }));
    const writing = Promise.all(Array.from({ length: 600 }, (_, i) => (i % 2 ? a : b).append(cancel(i))));
    // Drain while the appends land, from both "processes".
    let done = false;
    void writing.then(() => (done = true));
    while (!done) await Promise.all(shippers.map((s) => s.ship()));
    await Promise.all(shippers.map((s) => s.stop()));
    await shippers[0]!.stop();
    const all = lines(file);
    const events = all.filter((l) => l.audit === true);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    expect(all.filter((l) => l.audit === 'checkpoint').length).toBeGreaterThan(0);
    expect(all.at(-1)).toMatchObject({ audit: 'checkpoint', seq: 600, first: 1, count: 600, kid: KEY.id });
    expect(verifyAuditFile(readFileSync(file, 'utf8'), { key: KEY })).toMatchObject({ ok: true, checked: 600, unanchored: 0 });
    expect(errors).toEqual([]);
  });

  it('a line half-written by a process that died is cut off and written again', async () => {
    const file = join(dir, 'audit.jsonl');
    const log = new AuditLog({ redis, prefix, key: KEY });
    const shipper = new AuditShipper({ redis, streamKey: log.key, sinks: [fileSink(file)], key: KEY, checkpointIntervalMs: 60_000, onError });
    for (let i = 0; i < 5; i++) await log.append(cancel(i));
    await shipper.ship();
    const [sixth] = await Promise.all([log.append(cancel(5))]);
    appendFileSync(file, JSON.stringify({ audit: true, ...sixth }).slice(0, 40));
    await shipper.ship();
    expect(lines(file).filter((l) => l.audit === true).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(verifyAuditFile(readFileSync(file, 'utf8'), { key: KEY }).ok).toBe(true);
  });

  it('never copies a stream rewritten in Redis over a good copy', async () => {
    const file = join(dir, 'audit.jsonl');
    const log = new AuditLog({ redis, prefix, key: KEY });
    const shipper = new AuditShipper({ redis, streamKey: log.key, sinks: [fileSink(file)], key: KEY, checkpointIntervalMs: 0, onError });
    for (let i = 0; i < 4; i++) await log.append(cancel(i));
    await shipper.ship();
    // Someone without the key appends an event of their own making.
    await redis.xadd(log.key, '*', 'e', JSON.stringify({ type: 'run.cancel.requested', runId: 'forged', seq: 5, prev: 'x', hash: 'y' }));
    await shipper.ship();
    expect(lines(file).filter((l) => l.audit === true)).toHaveLength(4);
    expect(errors.join('\n')).toMatch(/does not continue this copy at #5/);
  });

  it('standard output gets each event once across processes, from where the log stood, with checkpoints', async () => {
    const log = new AuditLog({ redis, prefix, key: KEY });
    await log.append(cancel(0));
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const sink = () => streamSink(out, redis, `${prefix}:audit:ship:stdout`);
    const one = new AuditShipper({ redis, streamKey: log.key, sinks: [sink()], key: KEY, checkpointIntervalMs: 0, onError });
    const two = new AuditShipper({ redis: other, streamKey: log.key, sinks: [sink()], key: KEY, checkpointIntervalMs: 0, onError });
    await one.ship();
    for (let i = 1; i < 30; i++) {
      await log.append(cancel(i));
      await (i % 2 ? one : two).ship();
    }
    const printed = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { audit: unknown; seq: number });
    // The event from before the first drain is history: not replayed to the log stream.
    expect(printed.filter((l) => l.audit === true).map((l) => l.seq)).toEqual(Array.from({ length: 29 }, (_, i) => i + 2));
    expect(printed.filter((l) => l.audit === 'checkpoint').length).toBeGreaterThan(1);
  });
});
