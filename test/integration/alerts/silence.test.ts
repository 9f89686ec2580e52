import { createServer } from 'node:net';
import { isTerminal } from '../../../src/jobs/run-record.js';
import { defineRunbook, z } from '../../../src/sdk/index.js';
import { startAlertmanager, type AlertmanagerHandle } from '../../support/alertmanager.js';
import { buildSlackTestDrover, type SlackTestDrover } from '../../support/slack-drover.js';
import { WEBHOOK_TOKEN } from '../../support/alerts.js';
import { deferred, waitFor } from '../../support/wait-for.js';

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

describe('silence while fixing', () => {
  let t: SlackTestDrover;
  let am: AlertmanagerHandle;

  beforeAll(async () => {
    const port = await freePort();
    am = await startAlertmanager({ webhookUrl: `http://127.0.0.1:${port}/webhooks/alertmanager`, bearerToken: WEBHOOK_TOKEN, groupWait: '0s', groupInterval: '200ms', repeatInterval: '1h' });
    t = await buildSlackTestDrover({
      runbooks: [quiet],
      port,
      configure: (c) => {
        c.alerts.webhookToken = WEBHOOK_TOKEN;
        c.alerts.alertmanagerUrl = am.url;
      },
    });
  });

  afterAll(async () => {
    gate.resolve();
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
});
