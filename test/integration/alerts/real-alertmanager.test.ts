import { isTerminal } from '../../../src/jobs/run-record.js';
import type { AuditEvent } from '../../../src/audit/events.js';
import { startAlertmanager, type AlertmanagerHandle } from '../../support/alertmanager.js';
import { buildSlackTestDrover, type SlackTestDrover } from '../../support/slack-drover.js';
import { WEBHOOK_TOKEN } from '../../support/alerts.js';
import { waitFor } from '../../support/wait-for.js';

type Received = Extract<AuditEvent, { type: 'alert.received' }>;

async function received(t: SlackTestDrover): Promise<Received[]> {
  return (await t.drover.audit.read()).filter((e): e is Received => e.type === 'alert.received');
}

describe('with a real Alertmanager', () => {
  let t: SlackTestDrover;
  let am: AlertmanagerHandle;

  beforeEach(async () => {
    t = await buildSlackTestDrover({ configure: (c) => (c.alerts.webhookToken = WEBHOOK_TOKEN) });
    am = await startAlertmanager({
      webhookUrl: `${t.base}/webhooks/alertmanager`,
      bearerToken: WEBHOOK_TOKEN,
      groupWait: '0s',
      groupInterval: '200ms',
      repeatInterval: '1s',
    });
  });

  afterEach(async () => {
    await am.stop();
    await t.close();
  });

  const crashLooping = (pod: string) => ({ labels: { alertname: 'KubePodCrashLooping', namespace: 'demo', pod, container: 'web', severity: 'warning' } });

  it('a firing alert makes exactly one run; its repeats make none', async () => {
    const pod = t.fake.list('pods', 'demo', { labelSelector: 'app=web' })[0]!.metadata.name as string;
    await am.pushAlerts([crashLooping(pod)]);
    const first = await waitFor(async () => (await received(t)).find((e) => e.outcome === 'enqueued'), 'the alert to be enqueued');
    const runId = first.runIds[0]!;
    await waitFor(async () => {
      const run = await t.drover.store.get(runId);
      return run && isTerminal(run.state);
    }, 'the run');
    expect((await t.drover.store.get(runId))?.state).toBe('succeeded');
    // repeat_interval is 1s: wait for Alertmanager to send the same notification again.
    await waitFor(async () => (await received(t)).filter((e) => e.outcome === 'deduplicated').length >= 2, 'two repeats', 8000);
    const runs = (await t.drover.store.recent(100)).filter((r) => r.runbook === 'delete-pod');
    expect(runs.map((r) => r.id)).toEqual([runId]);
    expect(new Set((await received(t)).map((e) => e.fingerprint)).size).toBe(1);
  }, 20_000);

  it('a resolved alert cancels its run that has not started', async () => {
    await t.drover.stopWorkers();
    await am.pushAlerts([crashLooping('web-stuck')]);
    const enqueued = await waitFor(async () => (await received(t)).find((e) => e.outcome === 'enqueued'), 'the alert to be enqueued');
    const runId = enqueued.runIds[0]!;
    expect((await t.drover.store.get(runId))?.state).toBe('queued');
    await am.resolveAlerts([crashLooping('web-stuck')]);
    await waitFor(async () => (await received(t)).some((e) => e.outcome === 'resolved'), 'the resolved notification');
    await waitFor(async () => (await t.drover.store.get(runId))?.state === 'cancelled', 'the run to be cancelled');
  }, 20_000);

  it('takes an alert without alertname, which Alertmanager accepts and sends: unmatched, not a rejected notification', async () => {
    const pod = t.fake.list('pods', 'demo', { labelSelector: 'app=web' })[0]!.metadata.name as string;
    await am.pushAlerts([crashLooping(pod), { labels: { job: 'backup-script', namespace: 'demo', severity: 'critical' } }]);
    expect(await am.alerts()).toHaveLength(2);
    const unmatched = await waitFor(async () => (await received(t)).find((e) => e.outcome === 'unmatched'), 'the alert without alertname');
    expect(unmatched).toMatchObject({ alertname: '', status: 'firing' });
    await waitFor(async () => (await received(t)).find((e) => e.outcome === 'enqueued'), 'the crash-looping alert to be enqueued');
    expect((await t.drover.audit.read()).filter((e) => e.type === 'alert.payload.rejected')).toEqual([]);
  });

  it('1,000 distinct alerts: every one is accounted for, none lost', async () => {
    await t.drover.stopWorkers();
    const alerts = Array.from({ length: 1000 }, (_, i) =>
      i % 10 === 0 ? { labels: { alertname: 'NobodyHandlesThis', instance: `host-${i}` } } : crashLooping(`storm-${i}`),
    );
    await am.pushAlerts(alerts);
    // Alertmanager may deliver a group again while the first delivery is still being handled, and
    // the two may reach the audit log in either order: what matters is that each alert is decided
    // once (its other deliveries are duplicates), whatever the order of the events.
    const decided = async () => {
      const byFingerprint = new Map<string, string[]>();
      for (const e of await received(t)) if (e.outcome !== 'deduplicated') byFingerprint.set(e.fingerprint, [...(byFingerprint.get(e.fingerprint) ?? []), e.outcome]);
      return byFingerprint;
    };
    const seen = await waitFor(
      async () => {
        const byFingerprint = await decided();
        return byFingerprint.size >= 1000 ? byFingerprint : undefined;
      },
      'all 1,000 alerts',
      25_000,
    );
    expect(seen.size).toBe(1000);
    const counts: Record<string, number> = {};
    for (const outcomes of seen.values()) {
      const [outcome] = outcomes as [string];
      counts[outcome] = (counts[outcome] ?? 0) + 1;
      // A run or a breaker is decided once; an unmatched alert is recorded again on each repeat.
      if (outcome === 'unmatched') expect(new Set(outcomes)).toEqual(new Set(['unmatched']));
      else expect(outcomes).toEqual([outcome]);
    }
    // 20 runs per cluster per 10 minutes by default: the rest is held by the breaker, escalated, not lost.
    expect(counts).toEqual({ unmatched: 100, enqueued: 20, breaker_open: 880 });
    expect(await t.drover.queue.queue.getJobCounts('waiting')).toEqual({ waiting: 20 });
    // Every notification received (repeats included) is counted once in the metric and once in the audit log.
    // Stopping Alertmanager does not stop Drover finishing a delivery already in flight, so compare
    // once both sides have settled: a notification counted on one side only never settles.
    await am.stop();
    const counted = async (): Promise<number> => {
      const metrics = await (await fetch(`${t.base}/metrics`)).text();
      return [...metrics.matchAll(/^drover_alerts_total\{outcome="[a-z_]+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    };
    const settled = await waitFor(async () => {
      const [total, audited] = [await counted(), (await received(t)).length];
      return total === audited && total === (await counted()) ? total : undefined;
    }, 'the metric and the audit log to agree');
    expect(settled).toBeGreaterThanOrEqual(1000);
  }, 40_000);
});
