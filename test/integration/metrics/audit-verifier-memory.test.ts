import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { auditKey } from '../../../src/audit/audit-key.js';
import { linkEncoded, GENESIS } from '../../../src/audit/chain.js';
import { seal } from '../../../src/audit/seal.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';
import { ROOT } from '../../support/test-drover.js';

const SECRET = 'audit-verifier-memory-key-0123456789';
const EVENTS = 200_000;
const HEAP_MB = 80;

/** One whole verification in a child process whose heap is limited; its printed result. */
function verifyInSmallHeap(prefix: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', join(ROOT, 'test/integration/metrics/verify-in-small-heap.ts'), prefix, SECRET], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

// Regression (#14 review): the periodic whole verification read the whole
// audit log into memory (about 0.7 KB of heap per event: a million events, the
// default audit.maxLength, is gigabytes), at every serving process's start and
// once a day. It now keeps one page at a time.
describe('a whole audit verification of a large log', () => {
  let redis: Redis;
  let prefix: string;

  beforeAll(async () => {
    redis = redisClient();
    prefix = uniquePrefix('audit-memory');
    const key = auditKey(SECRET);
    const stream = `${prefix}:audit`;
    let head = GENESIS;
    // Written straight to the stream, chained as AuditLog chains them: faster than 200,000 appends.
    for (let i = 0; i < EVENTS; i += 5000) {
      const batch = Array.from({ length: 5000 }, (_, j) => ({ v: 1, time: '2026-12-06T12:00:00.000Z', type: 'run.finished', runId: `r-${i + j}`, runbook: 'restart-deployment', cluster: 'prod', outcome: 'succeeded', durationMs: 1234, dryRun: false }));
      const linked = linkEncoded(batch, head, key);
      const pipeline = redis.pipeline();
      for (const { json } of linked) pipeline.xadd(stream, '*', 'e', json);
      await pipeline.exec();
      const last = linked[linked.length - 1]!.event;
      head = { seq: last.seq, hash: last.hash };
    }
    await redis.set(`${stream}:head`, JSON.stringify(seal('head', { seq: head.seq, hash: head.hash }, key)));
  }, 120_000);

  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it(`checks ${EVENTS.toLocaleString('en')} events in a ${HEAP_MB} MB heap`, async () => {
    const { code, out, err } = await verifyInSmallHeap(prefix);
    expect(err).not.toMatch(/heap out of memory/);
    expect(out.trim()).toBe(`ok ${EVENTS}`);
    expect(code).toBe(0);
  }, 120_000);
});
