import { runNodeProcess } from '../../support/cli-process.js';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { auditKey } from '../../../src/audit/audit-key.js';
import { writeLargeAuditLog } from '../../support/large-audit-log.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';
import { ROOT } from '../../support/test-drover.js';

const SECRET = 'audit-verifier-memory-key-0123456789';
const EVENTS = 200_000;
const HEAP_MB = 80;

/** One whole verification in a child process whose heap is limited; its printed result. */
const verifyInSmallHeap = (prefix: string) =>
  runNodeProcess([`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', join(ROOT, 'test/integration/metrics/verify-in-small-heap.ts'), prefix, SECRET], undefined, 90_000);

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
    await writeLargeAuditLog(redis, prefix, EVENTS, auditKey(SECRET));
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
