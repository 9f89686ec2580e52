import { pino } from 'pino';
import { CircuitBreakers } from '../../../src/alertmanager/circuit-breaker.js';
import type { AuditEvent } from '../../../src/audit/events.js';
import { isTerminal, type RunRecord } from '../../../src/jobs/run-record.js';
import { parsePolicy } from '../../../src/policy/index.js';
import type { Runbook } from '../../../src/runbook/types.js';
import { Schedules } from '../../../src/schedules/schedules.js';
import { ScheduleState } from '../../../src/schedules/schedule-state.js';
import { localTime } from '../../../src/schedules/cron.js';
import { RunbookRegistry } from '../../../src/runbook/registry.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { sweeper } from '../../support/sweeper-runbook.js';
import { deferred, waitFor } from '../../support/wait-for.js';

type Fired = Extract<AuditEvent, { type: 'schedule.fired' }>;
const EVERY_SECOND = '* * * * * *';

async function fires(t: TestDrover): Promise<Fired[]> {
  return (await t.drover.audit.read()).filter((e): e is AuditEvent & Fired => e.type === 'schedule.fired');
}

async function metric(t: TestDrover, outcome: string): Promise<number> {
  const text = await t.drover.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`drover_schedule_fires_total{runbook="sweep",outcome="${outcome}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function finished(t: TestDrover, runId: string): Promise<RunRecord> {
  return waitFor(async () => {
    const run = await t.drover.store.get(runId);
    return run && isTerminal(run.state) ? run : undefined;
  }, `run ${runId} to finish`);
}

describe('schedules: BullMQ job schedulers on real Redis, fires through the gate', () => {
  let t: TestDrover | undefined;

  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('a fire queues a run as the schedule identity, audited and counted; the list shows next fire, last fire and run', async () => {
    t = await buildTestDrover({ runbooks: [sweeper({ name: 'often', cron: EVERY_SECOND, timeZone: 'Europe/Paris', params: { namespace: 'ci' } })] });
    await t.drover.startWorker();
    const statuses = await t.drover.schedules.start();
    expect(statuses.map((s) => [s.id, s.registered, s.clusters.map((c) => [c.cluster, c.policy.decision])])).toEqual([['sweep/often', true, [['test', 'allowed']]]]);
    const first = await waitFor(async () => (await fires(t as TestDrover)).find((f) => f.outcome === 'queued'), 'a fire that queues a run');
    const run = await finished(t, first.runId as string);
    expect(run).toMatchObject({ state: 'succeeded', runbook: 'sweep', cluster: 'test', params: { namespace: 'ci' }, concurrencyKey: 'namespace/ci', requester: { kind: 'schedule', id: 'sweep/often' } });
    const queued = (await t.drover.audit.read()).find((e) => e.type === 'run.queued' && e.runId === run.id);
    expect(queued).toMatchObject({ actor: { kind: 'schedule', id: 'sweep/often' } });
    expect(await metric(t, 'queued')).toBeGreaterThanOrEqual(1);
    const text = await t.drover.metrics.registry.metrics();
    expect(text).toMatch(/drover_runs_enqueued_total\{runbook="sweep",requester="schedule"\} [1-9]/);

    const [listed] = await t.drover.schedules.list();
    expect(listed?.next && Date.parse(listed.next)).toBeGreaterThan(Date.now() - 2000);
    expect(listed?.nextLocal).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? GMT\+1$/);
    expect(listed?.clusters[0]?.lastFire).toBeDefined();
    // The chat command answers the same.
    const reply = await t.drover.chat.handle('schedules', { requester: { kind: 'cli', id: 'alice@laptop' }, channel: 'terminal' });
    expect(reply.kind === 'reply' && reply.message.text).toMatch(/Schedules: sweep\/often next \d{4}-/);
  });

  it('a fire while the previous run is still running is skipped and counted, not stacked', async () => {
    const release = deferred();
    t = await buildTestDrover({ runbooks: [sweeper({ name: 'often', cron: EVERY_SECOND, timeZone: 'UTC', params: { namespace: 'ci' } }, {}, release.promise)] });
    await t.drover.startWorker();
    await t.drover.schedules.start();
    const started = await waitFor(async () => (await fires(t as TestDrover)).find((f) => f.outcome === 'queued'), 'the first run');
    const skipped = await waitFor(async () => {
      const s = (await fires(t as TestDrover)).filter((f) => f.outcome === 'skipped');
      return s.length >= 2 ? s : undefined;
    }, 'two skipped fires');
    expect(skipped[0]?.runId).toBe(started.runId);
    expect(skipped[0]?.reason).toMatch(/^the previous run c\w+ is still (queued|running)$/);
    expect(await metric(t, 'skipped')).toBeGreaterThanOrEqual(2);
    // Only one run exists while the first is unfinished.
    expect((await fires(t)).filter((f) => f.outcome === 'queued')).toHaveLength(1);
    release.resolve();
    await finished(t, started.runId as string);
    const next = await waitFor(async () => (await fires(t as TestDrover)).filter((f) => f.outcome === 'queued')[1], 'a new run once the first finished');
    expect(next.runId).not.toBe(started.runId);
  });

  it('a schedule the policy does not name is reported at start-up, and each fire is refused and audited', async () => {
    const policy = { document: parsePolicy('groups: { people: ["*", alertmanager] }\nrules: [{ groups: [people], runbooks: ["*"], clusters: ["*"] }]\n', 'test.yaml') };
    t = await buildTestDrover({ policy, runbooks: [sweeper({ name: 'often', cron: EVERY_SECOND, timeZone: 'UTC', params: { namespace: 'ci' } })] });
    await t.drover.startWorker();
    const [status] = await t.drover.schedules.start();
    expect(status?.clusters[0]?.policy).toEqual({ decision: 'denied', reason: 'Denied: schedule:sweep/often is in no group of the policy.' });
    const denied = await waitFor(async () => (await fires(t as TestDrover)).find((f) => f.outcome === 'denied'), 'a denied fire');
    expect(denied).toMatchObject({ schedule: 'sweep/often', cluster: 'test', reason: 'Denied: schedule:sweep/often is in no group of the policy.' });
    expect(denied.runId).toBeUndefined();
    expect(await t.drover.store.recent(10)).toEqual([]);
    expect(await metric(t, 'denied')).toBeGreaterThanOrEqual(1);
  });

  it('a schedule whose runbook needs approval proposes the run, and skips fires while it waits', async () => {
    t = await buildTestDrover({ runbooks: [sweeper({ name: 'often', cron: EVERY_SECOND, timeZone: 'UTC', params: { namespace: 'ci' } }, { approval: { required: 'always' } })] });
    await t.drover.startWorker();
    const [status] = await t.drover.schedules.start();
    expect(status?.clusters[0]?.policy.decision).toBe('approval_required');
    const proposed = await waitFor(async () => (await fires(t as TestDrover)).find((f) => f.outcome === 'proposed'), 'a proposed run');
    const run = await waitFor(async () => {
      const r = await t?.drover.store.get(proposed.runId as string);
      return r?.state === 'awaiting_approval' ? r : undefined;
    }, 'the proposal to await approval');
    expect(run.requester).toEqual({ kind: 'schedule', id: 'sweep/often', name: 'schedule sweep/often' });
    await waitFor(async () => (await fires(t as TestDrover)).some((f) => f.outcome === 'skipped' && f.runId === run.id), 'a fire skipped while the proposal waits');
    // Someone the policy allows approves it, as an alert's proposal is approved.
    const approved = await t.drover.approvals.approve(run.id, { kind: 'slack', id: 'U0APPROVER' }, run.approval?.hash ?? '');
    expect(approved.kind).toBe('approved');
    expect((await finished(t, run.id)).state).toBe('succeeded');
  });

  it('a runbook rate limit holds scheduled runs too', async () => {
    t = await buildTestDrover({ runbooks: [sweeper({ name: 'often', cron: EVERY_SECOND, timeZone: 'UTC', params: { namespace: 'ci' } }, { rateLimit: { maxRuns: 1, window: '1h' } })] });
    await t.drover.startWorker();
    await t.drover.schedules.start();
    const first = await waitFor(async () => (await fires(t as TestDrover)).find((f) => f.outcome === 'queued'), 'the first run');
    await finished(t, first.runId as string);
    const limited = await waitFor(async () => (await fires(t as TestDrover)).find((f) => f.outcome === 'limited'), 'a fire held by the rate limit');
    expect(limited.reason).toBe('sweep already ran 1 times on namespace/ci within 1h');
  });

  it('a fire handled twice (a retried job) makes one run; one far too late is missed', async () => {
    t = await buildTestDrover({ runbooks: [sweeper({ name: 'nightly', cron: '0 3 * * *', timeZone: 'UTC', params: { namespace: 'ci' } })] });
    const [spec] = t.drover.schedules.specs();
    const due = Date.now() - 1000;
    const [once] = await t.drover.schedules.firing.fire(spec as NonNullable<typeof spec>, due);
    const [twice] = await t.drover.schedules.firing.fire(spec as NonNullable<typeof spec>, due);
    expect(once?.outcome).toBe('queued');
    expect(twice?.runId).toBe(once?.runId);
    expect((await t.drover.store.recent(10)).map((r) => r.id)).toEqual([once?.runId]);
    // Three nightly fires ago, beyond the 10-minute catch-up window: missed, standing for all three.
    const [late] = await t.drover.schedules.firing.fire(spec as NonNullable<typeof spec>, Date.parse('2026-01-01T03:00:00Z'));
    expect(late?.outcome).toBe('missed');
    expect(late?.missedFires).toBeGreaterThan(3);
    expect((await t.drover.store.recent(10))).toHaveLength(1);
  });

  it('reconciles at start-up: added, changed and removed schedules; several processes at once change nothing twice', async () => {
    const v1 = [sweeper([
      { name: 'nightly', cron: '0 3 * * *', timeZone: 'Europe/Paris', params: { namespace: 'ci' } },
      { name: 'hourly', cron: '0 * * * *', timeZone: 'UTC', params: { namespace: 'ci' } },
    ])];
    t = await buildTestDrover({ runbooks: v1 });
    const built = t;
    const other = (runbooks: Runbook[]) => new Schedules({ ...schedulesDeps(built), runbooks: new RunbookRegistry(runbooks) });
    const a = other(v1);
    const b = other(v1);
    const [ra, rb] = await Promise.all([a.reconcile(), b.reconcile()]);
    expect([...ra.added, ...rb.added, ...ra.unchanged, ...rb.unchanged, ...ra.updated, ...rb.updated].sort()).toEqual(['sweep/hourly', 'sweep/hourly', 'sweep/nightly', 'sweep/nightly']);
    const schedulers = await a.scheduler.queue.getJobSchedulers(0, -1);
    expect(schedulers.map((s) => s.key).sort()).toEqual(['sweep/hourly', 'sweep/nightly']);
    const nightly = schedulers.find((s) => s.key === 'sweep/nightly');
    expect(nightly).toMatchObject({ pattern: '0 3 * * *', tz: 'Europe/Paris' });
    // 03:00 in Paris is 02:00 UTC in winter, 01:00 UTC in summer.
    expect(localTime(new Date(nightly?.next ?? 0), 'Europe/Paris')).toMatch(/ 03:00 GMT\+[12]$/);
    expect(await a.reconcile()).toEqual({ added: [], updated: [], removed: [], unchanged: ['sweep/nightly', 'sweep/hourly'] });

    const v2 = [sweeper({ name: 'nightly', cron: '30 4 * * *', timeZone: 'Europe/Paris', params: { namespace: 'ci' } })];
    const c = other(v2);
    expect(await c.reconcile()).toEqual({ added: [], updated: ['sweep/nightly'], removed: ['sweep/hourly'], unchanged: [] });
    const after = await c.scheduler.queue.getJobSchedulers(0, -1);
    expect(after.map((s) => [s.key, s.pattern])).toEqual([['sweep/nightly', '30 4 * * *']]);
    // Exactly one pending fire for it: the replaced one is gone.
    const delayed = await c.scheduler.queue.getDelayed();
    expect(delayed.map((j) => j.repeatJobKey)).toEqual(['sweep/nightly']);
    await Promise.all([a.close(), b.close(), c.close()]);
  });
});

/** What another process's Schedules would be built from, on the same Redis prefix. */
function schedulesDeps(t: TestDrover): ConstructorParameters<typeof Schedules>[0] {
  const d = t.drover;
  return {
    connection: t.redis,
    prefix: t.prefix,
    redis: t.redis,
    queue: d.queue,
    gate: d.gate,
    store: d.store,
    audit: d.audit,
    metrics: d.metrics,
    runbooks: d.runbooks,
    state: new ScheduleState(t.redis, t.prefix),
    breakers: new CircuitBreakers(t.redis, t.prefix),
    cluster: { maxRuns: 100, windowMs: 60_000 },
    policy: d.policy,
    logger: pino({ level: 'silent' }),
  };
}
