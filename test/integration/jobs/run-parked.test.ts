/**
 * A run that waits outside Drover (RunParked) goes back to the queue and
 * wakes later: the same attempt, completed steps replayed, the wait told once
 * per reason, its worker slot free meanwhile, and a cancel still ends it.
 */
import type { AuditEvent } from '../../../src/audit/events.js';
import { isTerminal, type RunRecord } from '../../../src/jobs/run-record.js';
import { RunParked } from '../../../src/jobs/run-parked.js';
import { defineRunbook } from '../../../src/runbook/define.js';
import { z } from 'zod';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';

const cli = { kind: 'cli' as const, id: 'alice@laptop', name: 'alice' };
const looks = new Map<string, number>();

const waiter = defineRunbook({
  id: 'waiter',
  summary: 'parks until it has looked N times',
  params: z.object({ key: z.string(), looks: z.number().int(), reasons: z.number().int().default(1) }),
  risk: 'low',
  concurrencyKey: (p) => p.key,
  async run(ctx, p) {
    const first = await ctx.step('first', () => Date.now());
    await ctx.step('wait', () => {
      const n = (looks.get(p.key) ?? 0) + 1;
      looks.set(p.key, n);
      if (n < p.looks) throw new RunParked(Date.now() + 50, p.reasons > 1 && n > p.looks / 2 ? 'the second thing' : 'the first thing');
      return n;
    });
    return { first };
  },
});

const quick = defineRunbook({
  id: 'quick',
  summary: 'returns at once',
  params: z.object({}),
  risk: 'low',
  run: () => Promise.resolve('done'),
});

async function finished(t: TestDrover, runId: string): Promise<RunRecord> {
  return waitFor(async () => {
    const run = await t.drover.store.get(runId);
    return run && isTerminal(run.state) ? run : undefined;
  }, `run ${runId} to finish`, 15_000);
}

describe('parked runs', () => {
  let t: TestDrover;
  beforeEach(async () => {
    t = await buildTestDrover({ runbooks: [waiter, quick] });
    await t.drover.startWorker({ concurrency: 1 });
  });
  afterEach(() => t.close());

  it('wakes on the same attempt, replays completed steps, tells each wait once', async () => {
    const run = await t.drover.queue.submit({ runbook: 'waiter', params: { key: 'a', looks: 6, reasons: 2 }, requester: cli });
    const done = await finished(t, run.id);
    expect(done.state).toBe('succeeded');
    expect(done.attempts).toBe(1);
    expect(looks.get('a')).toBe(6);
    const events = await waitFor(async () => {
      const e = await t.drover.audit.forRun(run.id);
      return e.some((x) => x.type === 'run.finished') ? e : undefined;
    }, 'run.finished');
    const parked = events.filter((e): e is Extract<AuditEvent, { type: 'run.parked' }> => e.type === 'run.parked');
    expect(parked.map((e) => e.reason)).toEqual(['the first thing', 'the second thing']);
    expect(events.filter((e) => e.type === 'run.started')).toHaveLength(1);
    const first = events.filter((e) => e.type === 'run.step.finished' && e.step === 'first').map((e) => (e as { outcome: string }).outcome);
    expect(first[0]).toBe('succeeded');
    expect(first.slice(1).every((o) => o === 'replayed')).toBe(true);
    const reports = (await t.drover.store.events(run.id)).filter((e) => e.type === 'report').map((e) => (e as { text: string }).text);
    expect(reports.filter((r) => r.startsWith('Waiting for'))).toHaveLength(2);
    expect(reports.some((r) => r.startsWith('Resumed'))).toBe(false);
  });

  it('frees its worker slot while parked: another run finishes meanwhile', async () => {
    const slow = await t.drover.queue.submit({ runbook: 'waiter', params: { key: 'b', looks: 1_000_000 }, requester: cli });
    await waitFor(async () => ((await t.drover.store.get(slow.id))?.parkedReason ? true : undefined), 'the first run to park');
    const other = await t.drover.queue.submit({ runbook: 'quick', params: {}, requester: cli });
    expect((await finished(t, other.id)).state).toBe('succeeded');
    await t.drover.queue.cancel(slow.id, cli);
    const cancelled = await finished(t, slow.id);
    expect(cancelled.state).toBe('cancelled');
  });
});
