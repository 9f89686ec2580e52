// Throughput and latency of runs through the whole pipeline: submit → BullMQ →
// worker → runbook steps → Kubernetes API (the fake) → run store and audit.
import { startBenchDrover } from './bench-drover.js';
import { mib, ms, summary } from './stats.js';

export async function benchRuns(options: { runs: number; targets: number; concurrency: number; redisUrl: string }): Promise<string[]> {
  const bench = await startBenchDrover({ name: 'runs', redisUrl: options.redisUrl });
  const { drover, fake } = bench;
  for (let i = 0; i < options.targets; i++) {
    fake.seed({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `web-${i}`, namespace: 'bench' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: `web-${i}` } },
        template: { metadata: { labels: { app: `web-${i}` } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      },
    });
  }
  await drover.startWorker({ concurrency: options.concurrency });
  const rssBefore = process.memoryUsage().rss;

  const submitted = new Set<string>();
  const latencies: number[] = [];
  const start = performance.now();
  const submitTimes: number[] = [];
  await Promise.all(
    Array.from({ length: options.runs }, async (_, i) => {
      const t0 = performance.now();
      const run = await drover.queue.submit({
        runbook: 'restart-deployment',
        params: { namespace: 'bench', deployment: `web-${i % options.targets}` },
        requester: { kind: 'system', id: 'bench' },
      });
      submitTimes.push(performance.now() - t0);
      submitted.add(run.id);
    }),
  );
  const enqueuedAt = performance.now();
  // Wait for the queue to drain, then read every run once (polling each run would load the process under test).
  for (;;) {
    const counts = await drover.queue.queue.getJobCounts('waiting', 'active', 'delayed');
    if ((counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const total = performance.now() - start;
  for (const id of submitted.keys()) {
    const run = await drover.store.get(id);
    if (run?.state !== 'succeeded') throw new Error(`run ${id} ${run?.state}: ${run?.error?.message}`);
    latencies.push(Date.parse(run.finishedAt ?? '') - Date.parse(run.createdAt));
  }
  const rssAfter = process.memoryUsage().rss;
  const lat = summary(latencies);
  const sub = summary(submitTimes);

  await bench.close();

  return [
    `runs: ${options.runs} restart-deployment runs on ${options.targets} deployments, worker concurrency ${options.concurrency}`,
    `  submit (validate + store + audit + enqueue): ${(options.runs / ((enqueuedAt - start) / 1000)).toFixed(0)} runs/s, p50 ${ms(sub.p50)}, p99 ${ms(sub.p99)}`,
    `  end to end: ${(options.runs / (total / 1000)).toFixed(0)} runs/s; submit → finished p50 ${ms(lat.p50)}, p99 ${ms(lat.p99)}`,
    `  RSS: ${mib(rssBefore)} before, ${mib(rssAfter)} after`,
  ];
}
