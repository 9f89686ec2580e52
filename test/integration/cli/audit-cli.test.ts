import { EXIT } from '../../../src/cli/output.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { seedDemo } from '../../support/seed.js';
import { drover } from '../../support/cli.js';

describe('drover audit', () => {
  let t: TestDrover;

  beforeAll(async () => {
    t = await buildTestDrover();
    seedDemo(t.fake);
    await t.drover.startWorker();
    await drover(t, ['run', 'scale-deployment', 'namespace=demo', 'deployment=web', 'replicas=4', '--wait']);
    await drover(t, ['run', 'restart-deployment', 'namespace=demo', 'deployment=web', '--dry-run', '--wait']);
  });

  afterAll(async () => {
    await t.close();
  });

  it('verify reports an intact chain', async () => {
    const r = await drover(t, ['audit', 'verify']);
    expect(r.code).toBe(EXIT.ok);
    const [intact, keyed, checkpoint] = r.out.split('\n');
    expect(intact).toMatch(/^Audit log intact: \d+ events, #1 to #\d+, up to the head Drover keeps\.$/);
    expect(keyed).toMatch(/^UNKEYED: no audit key is configured, so the chain is plain SHA-256\./);
    expect(checkpoint).toMatch(/^No checkpoint kept outside Redis to compare with \(no audit\.file is configured\)/);
  });

  it('tail and export filter by runbook, user and time', async () => {
    const tail = await drover(t, ['audit', 'tail', '--runbook', 'scale-deployment', '-n', '50']);
    expect(tail.out).toMatch(/run\.queued run=\S+ scale-deployment on test by dave@laptop/);
    expect(tail.out).toMatch(/k8s\.mutation .*patch Deployment\/scale demo\/web succeeded 200/);
    expect(tail.out).not.toMatch(/restart-deployment/);
    const exported = (await drover(t, ['audit', 'export', '--runbook', 'restart-deployment', '--since', '1h'])).out.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(exported.length).toBeGreaterThan(3);
    expect(exported[0]).toMatchObject({ type: 'run.queued', runbook: 'restart-deployment', dryRun: true });
    for (const e of exported) expect(e).toEqual(expect.objectContaining({ seq: expect.any(Number) as number, hash: expect.stringMatching(/^[0-9a-f]{64}$/) as string }));
    expect((await drover(t, ['audit', 'export', '--user', 'nobody'])).out).toBe('');
    expect((await drover(t, ['audit', 'export', '--since', 'yesterday-ish'])).err).toMatch(/--since: "yesterday-ish" is neither a duration/);
  });

  it.each([1, 5, 500])('verify fails, exit 1, when the newest %i event(s) are deleted', async (n) => {
    const audit = t.drover.audit;
    const bodies = Array.from({ length: 510 }, (_, i) => ({ type: 'run.cancel.requested' as const, runId: `bulk-${i}`, actor: { kind: 'cli' as const, id: 'x' } }));
    await audit.appendMany(bodies);
    const all = await t.redis.xrange(audit.key, '-', '+');
    const newest = await t.redis.xrevrange(audit.key, '+', '-', 'COUNT', n);
    const head = JSON.parse(newest[0]![1][1]!) as { seq: number };
    await t.redis.xdel(audit.key, ...newest.map(([id]) => id));
    const r = await drover(t, ['audit', 'verify']);
    expect(r.code).toBe(EXIT.failed);
    const from = head.seq - n + 1;
    expect(r.err).toContain(`event(s) #${from}${n > 1 ? `–#${head.seq}` : ''} missing at the end: Drover's head names #${head.seq} but the log ends at #${from - 1}`);
    // Put them back as they were, for the next case.
    await t.redis.del(audit.key);
    for (const [id, fields] of all) await t.redis.xadd(audit.key, id, 'e', fields[1]!);
    expect((await drover(t, ['audit', 'verify'])).code).toBe(EXIT.ok);
  });

  it('verify fails, exit 1, naming the event someone edited in Redis', async () => {
    const key = t.drover.audit.key;
    const entries = await t.redis.xrange(key, '-', '+');
    await t.redis.del(key);
    for (const [i, [, fields]] of entries.entries()) {
      const event = JSON.parse(fields[1]!) as Record<string, unknown>;
      if (event.seq === 3) event.time = '2020-01-01T00:00:00.000Z';
      await t.redis.xadd(key, `${i + 1}-0`, 'e', JSON.stringify(event));
    }
    const r = await drover(t, ['audit', 'verify']);
    expect(r.code).toBe(EXIT.failed);
    expect(r.err).toMatch(/Audit log broken at event #3 \(stream id 3-0\): event 3 was altered/);
    expect(r.err).toMatch(/The 2 events before it verify\./);
  });
});
