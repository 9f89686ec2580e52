import { buildMetricsDrover, type MetricsDrover } from './metrics-drover.js';
import { scrape, sample } from './scrape.js';
import { waitFor } from '../../support/wait-for.js';

const KEY = 'metrics-test-audit-key-0123456789abcdef';

describe('periodic audit verification (drover_audit_chain_valid)', () => {
  let t: MetricsDrover;
  const xranges: string[][] = [];

  beforeEach(async () => {
    xranges.length = 0;
    t = await buildMetricsDrover({
      configure: (c) => {
        c.audit.key = KEY;
        c.audit.verifyInterval = 100;
      },
    });
    // Which ranges the verifier reads: after the first whole check, only new events.
    const xrange = t.redis.xrange.bind(t.redis) as (...args: unknown[]) => Promise<unknown>;
    (t.redis as unknown as { xrange: (...args: unknown[]) => Promise<unknown> }).xrange = (...args: unknown[]) => {
      if (args[0] === t.drover.audit.key) xranges.push(args.slice(1, 3).map(String));
      return xrange(...args);
    };
  });

  afterEach(async () => {
    await t.close();
  });

  const append = async (n: number) => {
    for (let i = 0; i < n; i++) await t.drover.audit.append({ type: 'run.cancel.requested', runId: `r${i}`, actor: { kind: 'cli', id: 'alice@laptop' } });
  };
  const verifications = async (result: string) => sample(await scrape(t.base), 'drover_audit_verifications_total', { result }) ?? 0;

  it('is absent before the first check, 1 while the log is intact, 0 once its newest events are deleted', async () => {
    expect(sample(await scrape(t.base), 'drover_audit_chain_valid')).toBeUndefined();
    await append(5);
    t.drover.startHousekeeping();
    await waitFor(async () => sample(await scrape(t.base), 'drover_audit_chain_valid') === 1, 'a good verification');

    await append(3);
    const okBefore = await verifications('ok');
    await waitFor(async () => (await verifications('ok')) >= okBefore + 2, 'two more checks');
    expect(sample(await scrape(t.base), 'drover_audit_chain_valid')).toBe(1);
    // Incremental: the later checks start after the last event they verified, not at the beginning
    // (the whole check reads its first page with the anchor in one MULTI, not through xrange()).
    expect(xranges.filter(([start]) => start === '-').length).toBe(0);
    expect(xranges.filter(([start]) => start?.startsWith('(')).length).toBeGreaterThan(1);

    // Someone with write access to Redis removes the newest two events.
    const newest = await t.redis.xrevrange(t.drover.audit.key, '+', '-', 'COUNT', 2);
    expect(newest).toHaveLength(2);
    await t.redis.xdel(t.drover.audit.key, ...newest.map(([id]) => id));
    await waitFor(async () => sample(await scrape(t.base), 'drover_audit_chain_valid') === 0, 'the gauge to drop to 0');
    expect(await verifications('broken')).toBeGreaterThanOrEqual(1);
    // The verifier and `drover audit verify` agree.
    expect((await t.drover.audit.verify()).ok).toBe(false);
  });

  it('notices the newest event replaced by a forged one after the last check', async () => {
    await append(4);
    t.drover.startHousekeeping();
    await waitFor(async () => sample(await scrape(t.base), 'drover_audit_chain_valid') === 1, 'a good verification');
    // Replace the newest event by a forged one (a stream entry cannot be edited in place), as a forger without the key would.
    const [[id, fields]] = (await t.redis.xrevrange(t.drover.audit.key, '+', '-', 'COUNT', 1)) as [[string, string[]]];
    const event = JSON.parse(fields[1] ?? '{}') as Record<string, unknown>;
    const body = JSON.stringify({ ...event, runId: 'forged' });
    const results = await t.redis.multi().xdel(t.drover.audit.key, id).xadd(t.drover.audit.key, '*', 'e', body).exec();
    expect(results?.map(([err]) => err)).toEqual([null, null]);
    await waitFor(async () => sample(await scrape(t.base), 'drover_audit_chain_valid') === 0, 'the gauge to drop to 0');
  });
});
