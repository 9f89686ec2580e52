// Alert storms: alerts/s from Alertmanager's webhook to enqueued runs, and the
// latency from a webhook to the first Kubernetes API call of its run.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crashLooping, webhookPayload } from '../test/support/alerts.js';
import { startBenchDrover } from './bench-drover.js';
import { ms, summary } from './stats.js';

const TOKEN = 'bench-webhook-token-0123456789';

export async function benchAlerts(options: { alerts: number; batch: number; parallel: number; latencySamples: number; redisUrl: string }): Promise<string[]> {
  const bench = await startBenchDrover({
    name: 'alerts',
    redisUrl: options.redisUrl,
    env: { ALERTMANAGER_WEBHOOK_TOKEN: TOKEN },
    configure: (c) => {
      c.alerts.clusterMaxRuns = 1_000_000;
      c.alerts.maxBodyBytes = 10 * 1024 * 1024;
    },
  });
  const { drover, fake } = bench;
  const server = createServer(drover.router.listener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/alertmanager`;
  const send = async (payload: unknown) => {
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as { outcomes: Record<string, number> };
  };
  await send(webhookPayload([crashLooping('warm-up')]));

  // 1. The storm: no worker, so this measures intake alone (match, dedupe, breakers, enqueue, audit).
  const batches = Math.ceil(options.alerts / options.batch);
  const payloads = Array.from({ length: batches }, (_, b) =>
    webhookPayload(Array.from({ length: Math.min(options.batch, options.alerts - b * options.batch) }, (_, i) => crashLooping(`storm-${b}-${i}`))),
  );
  const totals: Record<string, number> = {};
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: options.parallel }, async () => {
      while (next < payloads.length) {
        const { outcomes } = await send(payloads[next++]);
        for (const [k, v] of Object.entries(outcomes)) totals[k] = (totals[k] ?? 0) + v;
      }
    }),
  );
  const stormMs = performance.now() - started;
  const accounted = Object.values(totals).reduce((a, b) => a + b, 0);
  await drover.queue.queue.drain(true);

  // 2. Latency: a worker runs; one alert per webhook, and the clock stops at its pod's first API request.
  await drover.startWorker({ concurrency: 16 });
  const firstCall = new Map<string, number>();
  let seen = 0;
  const poll = setInterval(() => {
    const requests = fake.requests;
    for (; seen < requests.length; seen++) {
      const pod = /\/pods\/(lat-\d+)/.exec(requests[seen]?.path ?? '')?.[1];
      if (pod && !firstCall.has(pod)) firstCall.set(pod, performance.now());
    }
  }, 1);
  const sentAt = new Map<string, number>();
  for (let i = 0; i < options.latencySamples; i++) {
    const pod = `lat-${i}`;
    sentAt.set(pod, performance.now());
    await send(webhookPayload([crashLooping(pod)]));
    await new Promise((r) => setTimeout(r, 20));
  }
  const deadline = Date.now() + 30_000;
  while (firstCall.size < options.latencySamples && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  clearInterval(poll);
  const lat = summary([...sentAt].filter(([pod]) => firstCall.has(pod)).map(([pod, t]) => (firstCall.get(pod) as number) - t));

  await new Promise((r) => server.close(r));
  await bench.close();
  return [
    `alert storm: ${options.alerts} distinct alerts in webhooks of ${options.batch}, ${options.parallel} at a time`,
    `  ${(options.alerts / (stormMs / 1000)).toFixed(0)} alerts/s from webhook to enqueued run (target ≥ 5,000); accounted for: ${accounted}/${options.alerts} ${JSON.stringify(totals)}`,
    `  webhook → first Kubernetes API call of its run (${firstCall.size} samples, worker running): p50 ${ms(lat.p50)}, p99 ${ms(lat.p99)} (target p99 < 100 ms)`,
  ];
}
