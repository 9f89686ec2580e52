import { pino } from 'pino';
import type { Redis } from 'ioredis';
import { createDrover, type Drover } from '../../../src/app.js';
import { EXIT } from '../../../src/cli/output.js';
import { drover } from '../../support/cli.js';
import { redisClient } from '../../support/redis.js';
import { seedDemo } from '../../support/seed.js';
import { allowAll, buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { scrape, sample, serveOn } from './scrape.js';

// The CLI enqueues, cancels and decides in its own short-lived process, which
// Prometheus never scrapes: its counts must reach the serving processes, and
// land in exactly one of them when there are several.
describe('runs started from the CLI are counted by the serving processes, once', () => {
  let t: TestDrover;
  let second: { drover: Drover; redis: Redis };
  const servers: Array<{ base: string; close: () => Promise<void> }> = [];

  beforeAll(async () => {
    t = await buildTestDrover();
    seedDemo(t.fake);
    // A second replica on the same Redis (`drover serve --no-worker`).
    const redis = redisClient();
    second = { redis, drover: createDrover({ config: t.config, redis, logger: pino({ level: 'silent' }), runbooks: t.drover.runbooks, policy: allowAll() }) };
    servers.push(await serveOn(t.drover.router.listener), await serveOn(second.drover.router.listener));
  });

  afterAll(async () => {
    for (const s of servers) await s.close();
    await second.drover.close();
    await second.redis.quit();
    await t.close();
  });

  /** Both replicas scraped at once (both try to take the CLI's counts); the sums of a metric over them. */
  async function scrapeBoth() {
    const texts = await Promise.all(servers.map((s) => scrape(s.base)));
    return (name: string, labels: Record<string, string> = {}) => texts.reduce((sum, text) => sum + (sample(text, name, labels) ?? 0), 0);
  }

  it('two runs and a cancel from the CLI: enqueued 3, succeeded 2, cancelled 1, across the replicas, and not again on the next scrape', async () => {
    // No worker yet: the first run stays queued, and the CLI cancels it itself.
    const queued = await drover(t, ['run', 'restart-deployment', 'namespace=demo', 'deployment=web', '--cluster', 'test']);
    expect(queued.code).toBe(EXIT.ok);
    const runId = /Run (\S+) queued/.exec(queued.out)?.[1] ?? '';
    const cancelled = await drover(t, ['cancel', runId]);
    expect(cancelled.out).toBe(`Run ${runId} cancelled.`);

    await t.drover.startWorker();
    for (let i = 0; i < 2; i++) {
      const r = await drover(t, ['run', 'restart-deployment', 'namespace=demo', 'deployment=web', '--wait']);
      expect(r.code).toBe(EXIT.ok);
    }

    const first = await scrapeBoth();
    const runbook = 'restart-deployment';
    expect(first('drover_runs_enqueued_total', { runbook, requester: 'cli' })).toBe(3);
    expect(first('drover_policy_decisions_total', { runbook, decision: 'allowed' })).toBe(3);
    expect(first('drover_runs_total', { runbook, outcome: 'succeeded', dry_run: 'false' })).toBe(2);
    expect(first('drover_runs_total', { runbook, outcome: 'cancelled', dry_run: 'false' })).toBe(1);
    expect(first('drover_run_duration_seconds_count', { runbook, outcome: 'succeeded' })).toBe(2);

    const again = await scrapeBoth();
    for (const [name, labels] of [
      ['drover_runs_enqueued_total', { runbook, requester: 'cli' }],
      ['drover_runs_total', { runbook, outcome: 'cancelled' }],
      ['drover_runs_total', { runbook, outcome: 'succeeded' }],
    ] as const) {
      expect(again(name, labels)).toBe(first(name, labels));
    }
    // Nothing is left waiting to be counted.
    expect(await t.redis.llen(`${t.prefix}:metrics:handover`)).toBe(0);
  });

  it('what is in the handover list but no count of Drover\'s is dropped, and handed-over values are bounded like any other', async () => {
    const key = `${t.prefix}:metrics:handover`;
    const entry = (m: string, l: Record<string, unknown>, n: unknown) => JSON.stringify({ m, l, n });
    await t.redis.rpush(
      key,
      'not json',
      entry('drover_made_up_total', {}, 1),
      entry('drover_runs_total', { runbook: 'restart-deployment', outcome: 'failed', user: 'mallory' }, 1),
      entry('drover_runs_total', { runbook: 'restart-deployment', outcome: 'failed', dry_run: 'false' }, -5),
      entry('drover_runs_total', { runbook: 'restart-deployment', outcome: 'failed', dry_run: 'false' }, 1e9),
      entry('drover_runs_total', { runbook: 'r-20261206-1a2b3c', outcome: 'U0MALLORY', dry_run: 'false' }, 1),
    );
    const sums = await scrapeBoth();
    expect(sums('drover_runs_total', { runbook: 'other', outcome: 'other' })).toBe(1);
    expect(sums('drover_runs_total', { outcome: 'failed' })).toBe(0);
    expect(await t.redis.llen(key)).toBe(0);
  });
});
