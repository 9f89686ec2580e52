import { alertRunId } from '../../../src/alertmanager/alert-intake.js';
import { DroverError } from '../../../src/errors.js';
import { isTerminal, type RunRecord } from '../../../src/jobs/run-record.js';
import { defineRunbook, z } from '../../../src/sdk/index.js';
import { buildSlackTestDrover, type SlackTestDrover } from '../../support/slack-drover.js';
import { WEBHOOK_TOKEN, deliver, fingerprintOf, type TestAlert } from '../../support/alerts.js';
import { waitFor } from '../../support/wait-for.js';

const changes: string[] = [];
const twoSteps = defineRunbook({
  id: 'two-step-fix',
  summary: 'Changes one thing, then another',
  params: z.object({ thing: z.string() }),
  triggers: { alerts: [{ alertname: 'TwoStepThing', params: { thing: 'label:thing' } }] },
  rateLimit: { maxRuns: 100, window: '1h' },
  concurrencyKey: (p) => `thing/${p.thing}`,
  async run(ctx, { thing }) {
    await ctx.step('first change', () => {
      changes.push(`first ${thing}`);
    });
    await ctx.step('second change', () => {
      // The API server blips on the first attempt: the run is retried, without repeating its first step.
      if (ctx.attempt === 1) throw new DroverError('k8s_server_error', 'the server is currently unable to handle the request', { retryable: true });
      changes.push(`second ${thing}`);
    });
  },
});

describe('a resolved notification', () => {
  let t: SlackTestDrover;

  beforeAll(async () => {
    t = await buildSlackTestDrover({
      runbooks: [twoSteps],
      configure: (c) => {
        c.alerts.webhookToken = WEBHOOK_TOKEN;
        // The retry waits long enough for the test to resolve the alert in between.
        c.jobs.backoff = 3000;
        c.jobs.maxBackoff = 3000;
      },
    });
  });

  afterAll(async () => {
    await t.close();
  });

  const post = (alerts: TestAlert[], status: 'firing' | 'resolved' = 'firing') => deliver(t.base, alerts, status);
  const alertFor = (thing: string): TestAlert => ({ labels: { alertname: 'TwoStepThing', thing, severity: 'warning' } });
  const runIdOf = (alert: TestAlert) => alertRunId('two-step-fix', fingerprintOf(alert.labels), '2026-11-24T10:00:00Z');
  const ended = (runId: string) =>
    waitFor(async () => {
      const run = await t.drover.store.get(runId);
      return run && isTerminal(run.state) ? run : undefined;
    }, `run ${runId} to end`, 15_000);

  it('leaves alone a run waiting for its retry: it has started and changed things, so it finishes and the watch judges it', async () => {
    const alert = alertFor('db');
    const runId = runIdOf(alert);
    expect((await post([alert])).outcomes).toMatchObject({ enqueued: 1 });
    // Queued again after its first attempt (running → queued): started, and its retry scheduled.
    await waitFor(async () => {
      const run = await t.drover.store.get(runId);
      return run?.state === 'queued' && run.startedAt !== undefined && run.attempts === 1;
    }, 'the run to wait for its retry');
    expect(changes).toEqual(['first db']);

    // The alert resolves (perhaps thanks to the first change) while the run waits for its second attempt.
    expect((await post([{ ...alert, status: 'resolved' }], 'resolved')).outcomes).toMatchObject({ resolved: 1 });
    const run: RunRecord = await ended(runId);
    expect(run).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(run.error).toBeUndefined();
    expect(changes).toEqual(['first db', 'second db']);
    await t.drover.alerts.watch.sweep();
    expect((await t.drover.audit.forRun(runId)).find((e) => e.type === 'alert.remediation')).toMatchObject({ result: 'remediated' });
  }, 20_000);

  it('cancels a run that has never started, reported as such', async () => {
    await t.drover.stopWorkers(); // so the run stays queued
    const alert = alertFor('cache');
    const runId = runIdOf(alert);
    expect((await post([alert])).outcomes).toMatchObject({ enqueued: 1 });
    expect(await t.drover.store.get(runId)).toMatchObject({ state: 'queued', attempts: 0 });
    expect((await post([{ ...alert, status: 'resolved' }], 'resolved')).outcomes).toMatchObject({ resolved: 1 });
    const run = await ended(runId);
    expect(run).toMatchObject({ state: 'cancelled', error: { message: expect.stringMatching(/before it started/) as string } });
    expect(changes).not.toContain('first cache');
  });
});
