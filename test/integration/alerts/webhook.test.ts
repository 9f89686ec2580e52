import { isTerminal, type RunRecord } from '../../../src/jobs/run-record.js';
import { alertRunId } from '../../../src/alertmanager/alert-intake.js';
import type { AuditEventBody } from '../../../src/audit/events.js';
import { buildSlackTestDrover, type SlackTestDrover } from '../../support/slack-drover.js';
import { WEBHOOK_TOKEN, crashLooping, failOnce, fingerprintOf, webhookPayload } from '../../support/alerts.js';
import { waitFor } from '../../support/wait-for.js';

const ALERTS_CHANNEL = 'C0ALERTS';
const UNMATCHED_CHANNEL = 'C0UNMATCHED';

describe('Alertmanager webhook', () => {
  let t: SlackTestDrover;
  let pods: string[];

  beforeAll(async () => {
    t = await buildSlackTestDrover({
      configure: (c) => {
        c.alerts.webhookToken = WEBHOOK_TOKEN;
        c.alerts.channel = ALERTS_CHANNEL;
        c.alerts.unmatchedChannel = UNMATCHED_CHANNEL;
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

  const counted = async (outcome: string) => (await t.drover.metrics.alerts.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  const rejections = async () => (await t.drover.audit.read()).filter((e) => e.type === 'alert.payload.rejected');

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
    expect(error).toMatch(/alerts\.0\.labels: must have at least one label/);
    expect((await post('{not json')).status).toBe(400);
    expect((await post({ ...webhookPayload([]), version: '3' })).status).toBe(400);
    const huge = webhookPayload(Array.from({ length: 400 }, (_, i) => crashLooping(`pod-${i}`, { padding: 'x'.repeat(200) })));
    expect((await post(huge)).status).toBe(413);
  });

  // Alertmanager retries a 5xx for ever: bad input is a 400, counted and audited like any rejected payload.
  it.each([
    ['null', /^Invalid Alertmanager webhook payload: payload: /],
    ['[]', /^Invalid Alertmanager webhook payload: payload: /],
    ['"alerts"', /^Invalid Alertmanager webhook payload: payload: /],
    ['42', /^Invalid Alertmanager webhook payload: payload: /],
    ['true', /^Invalid Alertmanager webhook payload: payload: /],
    ['{"alerts": [', /^Invalid JSON/],
  ])('answers 400 to a body of %s, and counts and audits it as rejected', async (body, error) => {
    const [before, audited] = [await counted('rejected'), (await rejections()).length];
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(error);
    expect(await counted('rejected')).toBe(before + 1);
    expect((await rejections()).slice(audited)).toEqual([expect.objectContaining({ alerts: 1, reason: expect.stringMatching(error) as string })]);
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

  // Alertmanager times a webhook out after 10 s and retries: a rate-limited (or absent) Slack must not hold the answer.
  it('answers at once while Slack rate-limits the announcement, which follows after Retry-After', async () => {
    t.slack.rateLimitNext('chat.postMessage', { retryAfterSeconds: 8 });
    const alert = crashLooping('slack-limited-pod');
    const started = Date.now();
    const res = await post(webhookPayload([alert]));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { outcomes: Record<string, number> }).outcomes).toMatchObject({ enqueued: 1 });
    expect(Date.now() - started).toBeLessThan(5000);
    const runId = alertRunId('delete-pod', fingerprintOf(alert.labels), '2026-11-24T10:00:00Z');
    await t.slack.waitForCall('chat.postMessage', (c) => c.status === 200 && String(c.args.text).includes(runId), 20_000);
  }, 30_000);

  it('an alert no runbook handles is counted as unmatched', async () => {
    const res = await post(webhookPayload([{ labels: { alertname: 'SomethingElse', severity: 'info' } }]));
    expect(((await res.json()) as { outcomes: Record<string, number> }).outcomes).toMatchObject({ unmatched: 1 });
    const metrics = await (await fetch(`${t.base}/metrics`)).text();
    expect(metrics).toMatch(/^drover_alerts_total\{outcome="unmatched"\} [1-9]/m);
    expect(metrics).toMatch(/^drover_alerts_total\{outcome="enqueued"\} [1-9]/m);
  });

  it('an alert without alertname (Alertmanager accepts it) is unmatched; the rest of its notification is handled', async () => {
    const unnamed = { labels: { job: 'backup-script', namespace: 'demo', severity: 'critical' } };
    const named = crashLooping('web-beside-unnamed');
    const res = await post(webhookPayload([named, unnamed]));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { outcomes: Record<string, number> }).outcomes).toMatchObject({ enqueued: 1, unmatched: 1, rejected: 0 });
    const event = (await t.drover.audit.read()).find((e) => e.type === 'alert.received' && e.fingerprint === fingerprintOf(unnamed.labels));
    expect(event).toMatchObject({ outcome: 'unmatched', alertname: '' });
    // Named by its labels where people see it.
    const posted = await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === UNMATCHED_CHANNEL && String(c.args.text).includes('backup-script'));
    expect(String(posted.args.text)).toBe('alert {job="backup-script", namespace="demo", severity="critical"}: no runbook handles it');
  });

  it("a delivery that fails while recording its outcomes is completed by Alertmanager's retry: enqueued, counted and announced once", async () => {
    const alert = crashLooping('web-recorded-on-retry');
    const runId = alertRunId('delete-pod', fingerprintOf(alert.labels), '2026-11-24T10:00:00Z');
    const before = await counted('enqueued');
    // A Redis blip as the alert.received events are appended: answered 503, so Alertmanager retries.
    const restore = failOnce(t.drover.audit, 'appendMany', ([bodies]) => (bodies as AuditEventBody[]).some((b) => b.type === 'alert.received'));
    try {
      expect((await post(webhookPayload([alert]))).status).toBe(503);
    } finally {
      restore();
    }
    const retry = await post(webhookPayload([alert]));
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as { outcomes: Record<string, number> }).outcomes).toMatchObject({ enqueued: 1, deduplicated: 0 });
    expect(await counted('enqueued')).toBe(before + 1);
    const received = (await t.drover.audit.read()).filter((e) => e.type === 'alert.received' && e.fingerprint === fingerprintOf(alert.labels));
    expect(received).toEqual([expect.objectContaining({ outcome: 'enqueued', runIds: [runId] })]);
    await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === ALERTS_CHANNEL && String(c.args.text).includes(runId), 3000);
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
