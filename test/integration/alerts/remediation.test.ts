import { isTerminal } from '../../../src/jobs/run-record.js';
import { alertRunId } from '../../../src/alertmanager/alert-intake.js';
import { defineRunbook, RunbookRefusal, z } from '../../../src/sdk/index.js';
import { buildSlackTestDrover, type SlackTestDrover } from '../../support/slack-drover.js';
import { WEBHOOK_TOKEN, deliver, fingerprintOf, type TestAlert } from '../../support/alerts.js';
import { waitFor } from '../../support/wait-for.js';

const ALERTS_CHANNEL = 'C0ALERTS';

const fix = defineRunbook({
  id: 'fix-thing',
  summary: 'Fixes a thing, or refuses to when told to',
  params: z.object({ thing: z.string() }),
  triggers: { alerts: [{ alertname: 'ThingBroken', params: { thing: 'label:thing' } }] },
  rateLimit: { maxRuns: 10, window: '1h' },
  async run(ctx, { thing }) {
    if (thing === 'unfixable') throw new RunbookRefusal('this thing cannot be fixed automatically');
    await ctx.step('fix', () => ctx.report(`fixed ${thing}`));
  },
});

describe('did the remediation work?', () => {
  let t: SlackTestDrover;

  beforeAll(async () => {
    t = await buildSlackTestDrover({
      runbooks: [fix],
      configure: (c) => {
        c.alerts.webhookToken = WEBHOOK_TOKEN;
        c.alerts.channel = ALERTS_CHANNEL;
        c.alerts.watchFor = 300;
      },
    });
  });

  afterAll(async () => {
    await t.close();
  });

  const post = async (alerts: TestAlert[], status: 'firing' | 'resolved' = 'firing') => {
    expect((await deliver(t.base, alerts, status)).status).toBe(200);
  };

  async function settle(thing: string, startsAt: string) {
    const alert = { labels: { alertname: 'ThingBroken', thing }, startsAt };
    const runId = alertRunId('fix-thing', fingerprintOf(alert.labels), startsAt);
    await post([alert]);
    await waitFor(async () => {
      const run = await t.drover.store.get(runId);
      return run && isTerminal(run.state);
    }, `run for ${thing}`);
    return { alert, runId };
  }

  const remediation = async (runId: string) => {
    await t.drover.alerts.watch.sweep();
    return (await t.drover.audit.read()).find((e) => e.type === 'alert.remediation' && e.runId === runId);
  };

  it('records "remediated" when the alert resolves after the run', async () => {
    const { alert, runId } = await settle('disk', '2026-11-24T13:00:00Z');
    await post([{ ...alert, status: 'resolved' }], 'resolved');
    expect(await remediation(runId)).toMatchObject({ result: 'remediated', alertname: 'ThingBroken' });
  });

  it('records "did not clear the alert" and escalates when it keeps firing', async () => {
    const { runId } = await settle('cache', '2026-11-24T13:10:00Z');
    await t.drover.alerts.watch.sweep();
    expect((await t.drover.audit.read()).some((e) => e.type === 'alert.remediation' && e.runId === runId)).toBe(false);
    await new Promise((r) => setTimeout(r, 350));
    expect(await remediation(runId)).toMatchObject({ result: 'not-cleared' });
    const escalation = await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === ALERTS_CHANNEL && /did not clear/.test(String(c.args.text)));
    expect(JSON.stringify(escalation.args.blocks)).toContain(runId);
  });

  it('escalates at once when the remediation run fails', async () => {
    const { runId } = await settle('unfixable', '2026-11-24T13:20:00Z');
    expect(await remediation(runId)).toMatchObject({ result: 'run-failed' });
    const escalation = await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === ALERTS_CHANNEL && /remediation failed/.test(String(c.args.text)));
    expect(JSON.stringify(escalation.args.blocks)).toMatch(/cannot be fixed automatically/);
    const metrics = await (await fetch(`${t.base}/metrics`)).text();
    expect(metrics).toMatch(/^drover_alert_remediations_total\{runbook="fix-thing",result="run_failed"\} 1$/m);
    expect(metrics).toMatch(/^drover_alert_remediations_total\{runbook="fix-thing",result="remediated"\} 1$/m);
  });

  it('a sweep that finds another instance sweeping leaves that instance its lock', async () => {
    const lock = `${t.prefix}:alerts:watch:lock`;
    await t.redis.set(lock, 'another-instance', 'PX', 30_000);
    await t.drover.alerts.watch.sweep();
    expect(await t.redis.get(lock)).toBe('another-instance');
    await t.redis.del(lock);
  });
});
