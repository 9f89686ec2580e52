import { isTerminal, type RunRecord } from '../../../src/jobs/run-record.js';
import { alertRunId } from '../../../src/alertmanager/alert-intake.js';
import { buildSlackTestDrover, type SlackTestDrover } from '../../support/slack-drover.js';
import { WEBHOOK_TOKEN, crashLooping, fingerprintOf, webhookPayload } from '../../support/alerts.js';
import { waitFor } from '../../support/wait-for.js';

const ALERTS_CHANNEL = 'C0ALERTS';

describe('Alertmanager webhook', () => {
  let t: SlackTestDrover;
  let pods: string[];

  beforeAll(async () => {
    t = await buildSlackTestDrover({
      configure: (c) => {
        c.alerts.webhookToken = WEBHOOK_TOKEN;
        c.alerts.channel = ALERTS_CHANNEL;
        c.alerts.maxBodyBytes = 64 * 1024;
      },
    });
    pods = t.fake.list('pods', 'demo', { labelSelector: 'app=web' }).map((p) => p.metadata.name as string);
  });

  afterAll(async () => {
    await t.close();
  });

  const post = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${WEBHOOK_TOKEN}` }) =>
    fetch(`${t.base}/webhooks/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  async function finished(runId: string): Promise<RunRecord> {
    return waitFor(async () => {
      const run = await t.drover.store.get(runId);
      return run && isTerminal(run.state) ? run : undefined;
    }, `run ${runId}`);
  }

  it('refuses requests without the token (401), creating nothing', async () => {
    const before = (await t.drover.store.recent(100)).length;
    expect((await post(webhookPayload([crashLooping(pods[0]!)]), {})).status).toBe(401);
    expect((await post(webhookPayload([crashLooping(pods[0]!)]), { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect((await post(webhookPayload([crashLooping(pods[0]!)]), { authorization: `Basic ${Buffer.from(`x:${WEBHOOK_TOKEN}`).toString('base64')}` })).status).toBe(401);
    expect((await t.drover.store.recent(100)).length).toBe(before);
  });

  it('answers 400 saying what is wrong with a malformed payload, and 413 beyond the size limit', async () => {
    const bad = await post({ version: '4', alerts: [{ labels: {} }] });
    expect(bad.status).toBe(400);
    const { error } = (await bad.json()) as { error: string };
    expect(error).toMatch(/groupKey/);
    expect(error).toMatch(/alerts\.0\.labels: must include alertname/);
    expect((await post('{not json')).status).toBe(400);
    expect((await post({ ...webhookPayload([]), version: '3' })).status).toBe(400);
    const huge = webhookPayload(Array.from({ length: 400 }, (_, i) => crashLooping(`pod-${i}`, { padding: 'x'.repeat(200) })));
    expect((await post(huge)).status).toBe(413);
  });

  it('a firing alert runs its runbook once; a repeat is deduplicated; the run is announced', async () => {
    const alert = crashLooping(pods[0]!);
    const first = await post(webhookPayload([alert]));
    expect(first.status).toBe(200);
    expect(((await first.json()) as { outcomes: Record<string, number> }).outcomes).toMatchObject({ enqueued: 1 });
    const runId = alertRunId('delete-pod', fingerprintOf(alert.labels), '2026-11-24T10:00:00Z');
    const run = await finished(runId);
    expect(run).toMatchObject({ state: 'succeeded', runbook: 'delete-pod', params: { namespace: 'demo', pod: pods[0] } });
    expect(run.requester).toMatchObject({ kind: 'alert', name: 'KubePodCrashLooping' });
    expect(t.fake.get('pods', 'demo', pods[0]!)).toBeUndefined();

    const repeat = await post(webhookPayload([alert]));
    expect(((await repeat.json()) as { outcomes: Record<string, number> }).outcomes).toMatchObject({ deduplicated: 1, enqueued: 0 });
    const announcement = await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === ALERTS_CHANNEL && /KubePodCrashLooping/.test(String(c.args.text)));
    expect(String(announcement.args.text)).toContain(runId);
    const audit = (await t.drover.audit.read()).filter((e) => e.type === 'alert.received');
    expect(audit.map((e) => ('outcome' in e ? e.outcome : ''))).toEqual(expect.arrayContaining(['enqueued', 'deduplicated']));
  });

  it('an alert no runbook handles is counted as unmatched', async () => {
    const res = await post(webhookPayload([{ labels: { alertname: 'SomethingElse', severity: 'info' } }]));
    expect(((await res.json()) as { outcomes: Record<string, number> }).outcomes).toMatchObject({ unmatched: 1 });
    const metrics = await (await fetch(`${t.base}/metrics`)).text();
    expect(metrics).toMatch(/^drover_alerts_total\{outcome="unmatched"\} [1-9]/m);
    expect(metrics).toMatch(/^drover_alerts_total\{outcome="enqueued"\} [1-9]/m);
  });

  it('bad params from labels are rejected with the reason, not run', async () => {
    const res = await post(webhookPayload([{ labels: { alertname: 'KubePodCrashLooping', namespace: 'demo' } }]));
    expect(((await res.json()) as { outcomes: Record<string, number> }).outcomes).toMatchObject({ rejected: 1 });
    const event = (await t.drover.audit.read()).reverse().find((e) => e.type === 'alert.received');
    expect(event).toMatchObject({ outcome: 'rejected' });
    expect('reason' in event! ? event.reason : '').toMatch(/pod is required/);
  });

  it('the circuit breaker stops a runbook hammering one target and escalates with the history', async () => {
    // Three different firings for the same pod: the cooldown (10m) admits only the first.
    const pod = pods[1]!;
    const firings = ['2026-11-24T11:00:00Z', '2026-11-24T11:05:00Z'].map((startsAt) => ({ ...crashLooping(pod), startsAt }));
    const a = (await (await post(webhookPayload([firings[0]!]))).json()) as { outcomes: Record<string, number> };
    expect(a.outcomes.enqueued).toBe(1);
    const b = (await (await post(webhookPayload([firings[1]!]))).json()) as { outcomes: Record<string, number> };
    expect(b.outcomes).toMatchObject({ breaker_open: 1, enqueued: 0 });
    const escalation = await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === ALERTS_CHANNEL && /circuit breaker open/.test(String(c.args.text)));
    expect(JSON.stringify(escalation.args.blocks)).toMatch(/cooldown/);
    expect(JSON.stringify(escalation.args.blocks)).toContain(alertRunId('delete-pod', fingerprintOf(firings[0]!.labels), firings[0]!.startsAt));
  });

  it('a resolved notification cancels a run for that alert that has not started', async () => {
    await t.drover.stopWorkers(); // so the next run stays queued
    const alert = { ...crashLooping(pods[2]!), startsAt: '2026-11-24T12:00:00Z' };
    const res = await post(webhookPayload([alert]));
    expect(res.status).toBe(200);
    const runId = alertRunId('delete-pod', fingerprintOf(alert.labels), alert.startsAt);
    expect((await t.drover.store.get(runId))?.state).toBe('queued');
    const resolved = await post(webhookPayload([{ ...alert, status: 'resolved' }], 'resolved'));
    expect(((await resolved.json()) as { outcomes: Record<string, number> }).outcomes).toMatchObject({ resolved: 1 });
    expect((await t.drover.store.get(runId))?.state).toBe('cancelled');
  });
});
