import { defineRunbook, z } from '../../../src/sdk/index.js';
import { buildSlackTestDrover, type SlackTestDrover } from '../../support/slack-drover.js';
import { WEBHOOK_TOKEN, webhookPayload } from '../../support/alerts.js';

// Alert labels are text: a runbook that maps one to a bounded number says so in words.
const resize = defineRunbook({
  id: 'resize-pool',
  summary: 'Resize a pool from an alert',
  params: z.object({ namespace: z.string().min(1), size: z.number().int().min(1).max(10) }),
  triggers: { alerts: [{ alertname: 'PoolTooSmall', params: { namespace: 'label:namespace', size: 'label:size' } }] },
  run: () => Promise.resolve(),
});

describe('Alertmanager: params from labels that do not fit are rejected in words', () => {
  let t: SlackTestDrover;

  beforeAll(async () => {
    t = await buildSlackTestDrover({ runbooks: [resize], configure: (c) => (c.alerts.webhookToken = WEBHOOK_TOKEN) });
  });

  afterAll(async () => {
    await t.close();
  });

  it.each([
    [{ namespace: 'demo', size: 'three' }, 'size must be a whole number'],
    [{ namespace: 'demo', size: '2.5' }, 'size must be a whole number'],
    [{ namespace: 'demo', size: '40' }, 'size must be at most 10'],
    [{ namespace: '', size: 'x' }, 'namespace must not be empty'],
    [{ size: 'x' }, 'namespace is required'],
  ])('labels %j: %s', async (labels, sentence) => {
    const res = await fetch(`${t.base}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
      body: JSON.stringify(webhookPayload([{ labels: { alertname: 'PoolTooSmall', ...labels } }])),
    });
    expect(((await res.json()) as { outcomes: Record<string, number> }).outcomes).toMatchObject({ rejected: 1 });
    const event = (await t.drover.audit.read()).reverse().find((e) => e.type === 'alert.received');
    const reason = event && 'reason' in event ? String(event.reason) : '';
    expect(reason).toContain(sentence);
    expect(reason).not.toMatch(/Invalid input|expected (number|string)|received|Too (big|small)/);
  });

  it('a label that is a number fills a number param, as on the command line', async () => {
    const res = await fetch(`${t.base}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
      body: JSON.stringify(webhookPayload([{ labels: { alertname: 'PoolTooSmall', namespace: 'demo', size: '3' } }])),
    });
    expect(((await res.json()) as { outcomes: Record<string, number> }).outcomes).toMatchObject({ enqueued: 1 });
    const run = (await t.drover.store.recent(5)).find((r) => r.runbook === 'resize-pool');
    expect(run?.params).toEqual({ namespace: 'demo', size: 3 });
  });
});
