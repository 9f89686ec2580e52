import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { auditKey } from '../../../src/audit/audit-key.js';
import { EXIT } from '../../../src/cli/output.js';
import { processEnv, runNodeProcess } from '../../support/cli-process.js';
import { writeLargeAuditLog } from '../../support/large-audit-log.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';
import { ALLOW_ALL_POLICY, ROOT } from '../../support/test-drover.js';

const SECRET = 'audit-verify-cli-memory-key-0123456789';
const EVENTS = 200_000;
const HEAP_MB = 80;

/** `drover audit verify` as its own process (src/main.ts through tsx) whose heap is limited. */
const auditVerifyInSmallHeap = (prefix: string) =>
  runNodeProcess(
    [`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', join(ROOT, 'src', 'main.ts'), 'audit', 'verify'],
    processEnv({ DROVER_REDIS_PREFIX: prefix, DROVER_POLICY: ALLOW_ALL_POLICY, DROVER_AUDIT_KEY: SECRET, DROVER_SANDBOX: 'off', LOG_LEVEL: 'warn' }),
    90_000,
  );

// Regression (#14 review): `drover audit verify` read the whole audit log into
// memory (about 0.7 KB of heap per event: a million events, the default
// audit.maxLength, is gigabytes). It now keeps one page at a time, as the
// serving process's periodic verification does.
describe('drover audit verify of a large log', () => {
  let redis: Redis;
  let prefix: string;

  beforeAll(async () => {
    redis = redisClient();
    prefix = uniquePrefix('audit-cli-memory');
    await writeLargeAuditLog(redis, prefix, EVENTS, auditKey(SECRET));
  }, 120_000);

  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it(`checks ${EVENTS.toLocaleString('en')} events in a ${HEAP_MB} MB heap, with the usual report`, async () => {
    const { code, out, err } = await auditVerifyInSmallHeap(prefix);
    expect(err).not.toMatch(/heap out of memory/);
    const [intact, keyed] = out.trim().split('\n');
    expect(intact).toBe(`Audit log intact: ${EVENTS} events, #1 to #${EVENTS}, up to the head Drover keeps.`);
    expect(keyed).toMatch(/^Keyed: HMAC-SHA256 with key \S+\.$/);
    expect(code).toBe(EXIT.ok);
  }, 120_000);

  it('still names the event someone removed in the middle of the log, past the first pages (exit 1)', async () => {
    const [[id]] = (await redis.xrange(`${prefix}:audit`, '-', '+', 'COUNT', 1)) as [[string, string[]]];
    const middle = await redis.xrange(`${prefix}:audit`, `(${id}`, '+', 'COUNT', 123_456);
    const [gone, fields] = middle[middle.length - 1]!;
    const removed = (JSON.parse(fields[1]!) as { seq: number }).seq;
    await redis.xdel(`${prefix}:audit`, gone);
    const { code, err } = await auditVerifyInSmallHeap(prefix);
    expect(err).toContain(`Audit log broken at event #${removed + 1}`);
    expect(err).toContain(`event(s) ${removed} missing before event ${removed + 1}`);
    expect(err).toContain(`The ${removed - 1} events before it verify.`);
    expect(code).toBe(EXIT.failed);
  }, 120_000);
});
