import { createServer } from 'node:net';
import { alertRunId } from '../../../src/alertmanager/alert-intake.js';
import { CircuitBreakers } from '../../../src/alertmanager/circuit-breaker.js';
import { isTerminal } from '../../../src/jobs/run-record.js';
import { defineRunbook, z } from '../../../src/sdk/index.js';
import { startAlertmanager, type AlertmanagerHandle } from '../../support/alertmanager.js';
import { buildSlackTestDrover, type SlackTestDrover } from '../../support/slack-drover.js';
import { WEBHOOK_TOKEN, deliver, failOnce, fingerprintOf } from '../../support/alerts.js';
import { deferred, waitFor, type Deferred } from '../../support/wait-for.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const gate = deferred();
const quiet = defineRunbook({
  id: 'quiet-fix',
  summary: 'Fixes a thing with its alert silenced',
  params: z.object({ thing: z.string() }),
  triggers: { alerts: [{ alertname: 'NoisyThing', params: { thing: 'label:thing' }, silence: true }] },
  async run(ctx) {
    await ctx.step('fix', () => gate.promise);
  },
});

// One gate per thing: each run waits for its test to let it finish.
const gates = new Map<string, Deferred>();
const gateOf = (thing: string): Deferred => {
  if (!gates.has(thing)) gates.set(thing, deferred());
  return gates.get(thing) as Deferred;
};
const quietEach = defineRunbook({
  id: 'quiet-fix-each',
  summary: 'Fixes a thing with its alert silenced, once the test lets it',
  params: z.object({ thing: z.string() }),
  triggers: { alerts: [{ alertname: 'NoisyThingPosted', params: { thing: 'label:thing' }, silence: true }] },
  // Each test its own thing: no breaker or lock between them.
  rateLimit: { maxRuns: 100, window: '1h' },
  concurrencyKey: (p) => `thing/${p.thing}`,
  async run(ctx, { thing }) {
    await ctx.step('fix', () => gateOf(thing).promise);
  },
});

describe('silence while fixing', () => {
  let t: SlackTestDrover;
  let am: AlertmanagerHandle;

  beforeAll(async () => {
    const port = await freePort();
    am = await startAlertmanager({ webhookUrl: `http://127.0.0.1:${port}/webhooks/alertmanager`, bearerToken: WEBHOOK_TOKEN, groupWait: '0s', groupInterval: '200ms', repeatInterval: '1h' });
    t = await buildSlackTestDrover({
      runbooks: [quiet, quietEach],
      port,
      configure: (c) => {
        c.alerts.webhookToken = WEBHOOK_TOKEN;
        c.alerts.alertmanagerUrl = am.url;
      },
    });
  });

  afterAll(async () => {
    gate.resolve();
    for (const g of gates.values()) g.resolve();
    await am.stop();
    await t.close();
  });

  it('silences the alert in Alertmanager for the run and expires the silence when it ends', async () => {
    await am.pushAlerts([{ labels: { alertname: 'NoisyThing', thing: 'cache', severity: 'warning' } }]);
    const silence = await waitFor(async () => (await am.silences()).find((s) => s.status.state === 'active'), 'an active silence', 10_000);
    expect(silence.createdBy).toBe('drover');
    expect(silence.matchers).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'alertname', value: 'NoisyThing', isRegex: false })]));
    await waitFor(async () => (await am.alerts()).some((a) => a.status.state === 'suppressed'), 'the alert to be suppressed');

    gate.resolve();
    const run = (await t.drover.store.recent(10)).find((r) => r.runbook === 'quiet-fix')!;
    await waitFor(async () => {
      const r = await t.drover.store.get(run.id);
      return r && isTerminal(r.state);
    }, 'the run');
    await t.drover.alerts.watch.sweep();
    await waitFor(async () => (await am.silences()).find((s) => s.id === silence.id)?.status.state === 'expired', 'the silence to expire');
  }, 30_000);

  // Webhooks posted by the test (as Alertmanager would deliver them), so that a delivery can fail midway.
  const post = (thing: string) => deliver(t.base, [{ labels: { alertname: 'NoisyThingPosted', thing, severity: 'warning' } }]);
  const runIdOf = (thing: string) => alertRunId('quiet-fix-each', fingerprintOf({ alertname: 'NoisyThingPosted', thing, severity: 'warning' }), '2026-11-24T10:00:00Z');
  const silencesOf = async (runId: string) => (await am.silences()).filter((s) => s.comment.includes(runId) && s.status.state === 'active');

  async function endRunAndSweep(thing: string): Promise<void> {
    gateOf(thing).resolve();
    await waitFor(async () => {
      const r = await t.drover.store.get(runIdOf(thing));
      return r && isTerminal(r.state);
    }, 'the run');
    await t.drover.alerts.watch.sweep();
  }

  it("keeps the silence a failed delivery made: Alertmanager's retry does not silence again, and the silence ends with the run", async () => {
    const runId = runIdOf('after-silencing');
    // A Redis blip once the run is queued and silenced: answered 503, Alertmanager retries.
    const restore = failOnce(CircuitBreakers.prototype, 'decide');
    try {
      expect((await post('after-silencing')).status).toBe(503);
    } finally {
      restore();
    }
    const [silence] = await silencesOf(runId);
    expect(silence).toBeDefined();
    expect(await post('after-silencing')).toEqual({ status: 200, outcomes: expect.objectContaining({ enqueued: 1 }) as Record<string, number> });
    expect((await silencesOf(runId)).map((s) => s.id)).toEqual([silence!.id]);

    await endRunAndSweep('after-silencing');
    await waitFor(async () => (await am.silences()).find((s) => s.id === silence!.id)?.status.state === 'expired', 'the silence to expire');
  }, 20_000);

  it('silences on the retry when the failed delivery had not got that far, and the silence ends with the run', async () => {
    const runId = runIdOf('before-silencing');
    // A Redis blip while the job is added, before the run is silenced.
    const restore = failOnce(t.drover.queue.queue, 'addBulk');
    try {
      expect((await post('before-silencing')).status).toBe(503);
    } finally {
      restore();
    }
    expect(await silencesOf(runId)).toEqual([]);
    expect(await post('before-silencing')).toEqual({ status: 200, outcomes: expect.objectContaining({ enqueued: 1 }) as Record<string, number> });
    const silences = await silencesOf(runId);
    expect(silences).toHaveLength(1);

    await endRunAndSweep('before-silencing');
    await waitFor(async () => (await am.silences()).find((s) => s.id === silences[0]!.id)?.status.state === 'expired', 'the silence to expire');
  }, 20_000);

  it('two deliveries of one notification at once leave one silence for the run', async () => {
    const runId = runIdOf('twice');
    const [a, b] = await Promise.all([post('twice'), post('twice')]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect((a.outcomes.enqueued ?? 0) + (b.outcomes.enqueued ?? 0)).toBe(1);
    expect(await silencesOf(runId)).toHaveLength(1);
    await endRunAndSweep('twice');
    await waitFor(async () => (await silencesOf(runId)).length === 0, 'the silence to expire');
  }, 20_000);
});
