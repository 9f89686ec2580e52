import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { alertRunId } from '../../../src/alertmanager/alert-intake.js';
import { CircuitBreakers } from '../../../src/alertmanager/circuit-breaker.js';
import type { AuditEvent, AuditEventBody } from '../../../src/audit/events.js';
import { defineRunbook, z } from '../../../src/sdk/index.js';
import { WEBHOOK_TOKEN, failOnce, fingerprintOf, webhookPayload, type TestAlert } from '../../support/alerts.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';

const fix = defineRunbook({
  id: 'fix-thing',
  summary: 'Fixes a thing',
  params: z.object({ thing: z.string() }),
  triggers: { alerts: [{ alertname: 'ThingBroken', params: { thing: 'label:thing' } }] },
  rateLimit: { maxRuns: 100, window: '1h' },
  concurrencyKey: (p) => `thing/${p.thing}`,
  async run() {},
});

// One run per thing per hour: a retry that counted its own earlier attempt would find the breaker open.
const once = defineRunbook({
  id: 'fix-once',
  summary: 'Fixes a thing at most once an hour',
  params: z.object({ thing: z.string() }),
  triggers: { alerts: [{ alertname: 'ThingBrokenOnce', params: { thing: 'label:thing' } }] },
  rateLimit: { maxRuns: 1, window: '1h', cooldown: '10m' },
  concurrencyKey: (p) => `thing/${p.thing}`,
  async run() {},
});

const capped = defineRunbook({
  id: 'fix-shared',
  summary: 'Fixes the one shared thing',
  params: z.object({ thing: z.string() }),
  triggers: { alerts: [{ alertname: 'SharedBroken', params: { thing: 'label:thing' } }] },
  rateLimit: { maxRuns: 2, window: '1h' },
  concurrencyKey: () => 'shared',
  async run() {},
});

type Outcomes = Record<string, number>;

describe('alert webhooks as batches', () => {
  let t: TestDrover;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    // No worker: runs stay queued, so their jobs can be counted.
    t = await buildTestDrover({
      runbooks: [fix, once, capped],
      configure: (c) => {
        c.alerts.webhookToken = WEBHOOK_TOKEN;
        c.alerts.clusterMaxRuns = 1000;
      },
    });
    server = createServer(t.drover.router.listener);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/alertmanager`;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await t.close();
  });

  const post = async (alerts: TestAlert[], status: 'firing' | 'resolved' = 'firing'): Promise<{ status: number; outcomes: Outcomes }> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
      body: JSON.stringify(webhookPayload(alerts, status)),
    });
    const body = (await res.json()) as { outcomes?: Outcomes };
    return { status: res.status, outcomes: body.outcomes ?? {} };
  };
  const thing = (alertname: string, name: string): TestAlert => ({ labels: { alertname, thing: name } });
  const runIdOf = (runbook: string, alert: TestAlert) => alertRunId(runbook, fingerprintOf(alert.labels), alert.startsAt ?? '2026-11-24T10:00:00Z');
  const events = async (type: AuditEvent['type']) => (await t.drover.audit.read()).filter((e) => e.type === type);
  const jobsOf = async (ids: string[]) => (await Promise.all(ids.map((id) => t.drover.queue.queue.getJob(id)))).filter(Boolean).length;
  const counted = async (outcome: string) => (await t.drover.metrics.alerts.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;

  it('gives every alert of a webhook one outcome, with one run per firing, and its repeats none', async () => {
    const firing = Array.from({ length: 20 }, (_, i) => thing('ThingBroken', `batch-${i}`));
    const alerts = [
      ...firing,
      firing[3]!,
      firing[7]!,
      { labels: { alertname: 'NobodyHandlesThis' } },
      { labels: { alertname: 'ThingBroken' } }, // no thing label: rejected
      { ...thing('ThingBroken', 'batch-gone'), status: 'resolved' as const },
    ];
    const first = await post(alerts);
    expect(first).toEqual({ status: 200, outcomes: expect.objectContaining({ enqueued: 20, deduplicated: 2, unmatched: 1, rejected: 1, resolved: 1 }) as Outcomes });
    const ids = firing.map((a) => runIdOf('fix-thing', a));
    const runs = await t.drover.store.getMany(ids);
    expect(runs.map((r) => r?.state)).toEqual(ids.map(() => 'queued'));
    expect(runs[5]).toMatchObject({ runbook: 'fix-thing', cluster: 'test', params: { thing: 'batch-5' }, concurrencyKey: 'thing/batch-5', requester: { kind: 'alert' } });
    expect(await jobsOf(ids)).toBe(20);

    const again = await post(alerts);
    expect(again.outcomes).toMatchObject({ enqueued: 0, deduplicated: 23, unmatched: 1, resolved: 1 });
    expect(await jobsOf(ids)).toBe(20);

    const queued = (await events('run.queued')).filter((e) => e.type === 'run.queued' && ids.includes(e.runId));
    expect(queued).toHaveLength(20);
    const received = (await events('alert.received')).filter((e) => 'alertname' in e && e.alertname !== 'NobodyHandlesThis');
    expect(received.length).toBeGreaterThanOrEqual(2 * (alerts.length - 1));
    expect(await t.drover.audit.verify()).toMatchObject({ ok: true });
    const metrics = await t.drover.metrics.registry.getSingleMetricAsString('drover_alerts_total');
    expect(metrics).toMatch(/outcome="enqueued"\} 20$/m);
    expect(metrics).toMatch(/outcome="deduplicated"\} 25$/m);
  });

  it('applies circuit breakers in order within a batch and escalates what they stop', async () => {
    const alerts = ['a', 'b', 'c'].map((x) => thing('SharedBroken', `shared-${x}`));
    const res = await post(alerts);
    expect(res.outcomes).toMatchObject({ enqueued: 2, breaker_open: 1 });
    const stopped = (await events('alert.received')).find((e) => e.type === 'alert.received' && e.outcome === 'breaker_open');
    expect(stopped).toMatchObject({ fingerprint: fingerprintOf(alerts[2]!.labels), reason: expect.stringMatching(/fix-shared already ran 2 times on shared/) as string });
    const escalated = (await events('alert.escalated')).find((e) => 'fingerprint' in e && e.fingerprint === fingerprintOf(alerts[2]!.labels));
    expect(escalated).toBeDefined();
    // The stopped firing is claimed: its repeat is a duplicate, not a second escalation.
    expect((await post([alerts[2]!])).outcomes).toMatchObject({ deduplicated: 1, breaker_open: 0 });
  });

  it('two deliveries of one notification at once make one run per firing, each counted once as enqueued', async () => {
    const alerts = Array.from({ length: 30 }, (_, i) => thing('ThingBroken', `twice-${i}`));
    const [a, b] = await Promise.all([post(alerts), post(alerts)]);
    expect((a.outcomes.enqueued ?? 0) + (b.outcomes.enqueued ?? 0)).toBe(30);
    expect((a.outcomes.deduplicated ?? 0) + (b.outcomes.deduplicated ?? 0)).toBe(30);
    const ids = alerts.map((x) => runIdOf('fix-thing', x));
    expect((await t.drover.store.getMany(ids)).every((r) => r?.state === 'queued')).toBe(true);
    expect(await jobsOf(ids)).toBe(30);
  });

  // Where one Redis call fails: the object and method, and which call.
  const first = () => true;
  const failures: Array<[string, (t: TestDrover) => [object, string], (args: unknown[], call: number) => boolean]> = [
    ['the run.queued audit append', (d) => [d.drover.audit, 'appendMany'], first],
    ['storing the runs', (d) => [d.drover.store, 'createMany'], first],
    ['adding the jobs', (d) => [d.drover.queue.queue, 'addBulk'], first],
    ['tracking the runs (runs enqueued, outcomes not yet decided)', (d) => [d.drover.alerts.watch, 'trackMany'], first],
    ['deciding the outcomes (runs enqueued and tracked)', () => [CircuitBreakers.prototype, 'decide'], first],
    [
      'recording the outcomes (the alert.received audit append, outcomes decided)',
      (d) => [d.drover.audit, 'appendMany'],
      ([bodies]) => (bodies as AuditEventBody[]).some((b) => b.type === 'alert.received'),
    ],
  ];

  it.each(failures)('a Redis failure at %s answers 503; the retry enqueues every alert once, losing none', async (what, target, when) => {
    const alerts = Array.from({ length: 10 }, (_, i) => thing('ThingBrokenOnce', `${what.split(' ')[0]}-${what.length}-${i}`));
    const ids = alerts.map((a) => runIdOf('fix-once', a));
    const [object, method] = target(t);
    const [enqueuedBefore, deduplicatedBefore] = [await counted('enqueued'), await counted('deduplicated')];
    const restore = failOnce(object, method as keyof object, when);
    try {
      expect((await post(alerts)).status).toBe(503);
    } finally {
      restore();
    }

    const retry = await post(alerts);
    expect(retry).toEqual({ status: 200, outcomes: expect.objectContaining({ enqueued: 10, deduplicated: 0, breaker_open: 0 }) as Outcomes });
    expect([(await counted('enqueued')) - enqueuedBefore, (await counted('deduplicated')) - deduplicatedBefore]).toEqual([10, 0]);
    expect((await t.drover.store.getMany(ids)).map((r) => r?.state)).toEqual(ids.map(() => 'queued'));
    expect(await jobsOf(ids)).toBe(10);
    const received = (await events('alert.received')).filter((e) => e.type === 'alert.received' && e.runIds.some((id) => ids.includes(id)));
    expect(received.map((e) => 'outcome' in e && e.outcome)).toEqual(ids.map(() => 'enqueued'));
    const queued = (await events('run.queued')).filter((e) => e.type === 'run.queued' && ids.includes(e.runId));
    // Never missing; repeated only when the failure came between the audit and storing the runs.
    expect(new Set(queued.map((e) => e.type === 'run.queued' && e.runId)).size).toBe(10);
    expect(queued.length).toBe(method === 'createMany' ? 20 : 10);
    expect(await t.drover.audit.verify()).toMatchObject({ ok: true });

    expect((await post(alerts)).outcomes).toMatchObject({ enqueued: 0, deduplicated: 10 });
  });

  it('a Redis failure once the outcomes are recorded (settling the claims) answers 200: recorded once, the repeats are duplicates', async () => {
    const alerts = Array.from({ length: 10 }, (_, i) => thing('ThingBrokenOnce', `settling-${i}`));
    const ids = alerts.map((a) => runIdOf('fix-once', a));
    const restore = failOnce(CircuitBreakers.prototype, 'commit');
    try {
      expect(await post(alerts)).toEqual({ status: 200, outcomes: expect.objectContaining({ enqueued: 10 }) as Outcomes });
    } finally {
      restore();
    }
    // The claims stay decided by that delivery (until their lease lapses): nobody records them again.
    expect((await post(alerts)).outcomes).toMatchObject({ enqueued: 0, deduplicated: 10 });
    const received = (await events('alert.received')).filter((e) => e.type === 'alert.received' && e.runIds.some((id) => ids.includes(id)));
    expect(received.map((e) => 'outcome' in e && e.outcome).sort()).toEqual([...ids.map(() => 'deduplicated'), ...ids.map(() => 'enqueued')]);
    expect(await jobsOf(ids)).toBe(10);
  });

  it('a resolved notification cancels the queued runs of a batch', async () => {
    const alerts = Array.from({ length: 5 }, (_, i) => thing('ThingBroken', `resolve-${i}`));
    expect((await post(alerts)).outcomes).toMatchObject({ enqueued: 5 });
    const resolved = await post(
      alerts.map((a) => ({ ...a, status: 'resolved' as const })),
      'resolved',
    );
    expect(resolved.outcomes).toMatchObject({ resolved: 5 });
    const runs = await t.drover.store.getMany(alerts.map((a) => runIdOf('fix-thing', a)));
    expect(runs.map((r) => r?.state)).toEqual(alerts.map(() => 'cancelled'));
  });
});
