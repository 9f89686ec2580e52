// The Kubernetes API fake in a process of its own, so that its work shares no
// event loop with the load generator. It notes when each request arrived (on
// the wall clock, comparable across processes) for the webhook → first
// Kubernetes call latency.
// IPC in: { seed: SeedObject[] } | { requests: true } | { clear: true }; out: { url } once, then one answer per message.
import { startK8sFake, type SeedObject } from '../../src/testing/index.js';

const fake = await startK8sFake({ maxRecordedRequests: 1_000_000 });
const seen: Array<{ method: string; path: string; at: number }> = [];
let recorded = 0;
// The fake records a request when it answers it; 1 ms polling puts a time on each.
const poll = setInterval(() => {
  const requests = fake.requests;
  const at = performance.timeOrigin + performance.now();
  for (; recorded < requests.length; recorded++) {
    const r = requests[recorded];
    if (r) seen.push({ method: r.method, path: r.path, at });
  }
}, 1);

type Message = { seed?: SeedObject[]; requests?: boolean; clear?: boolean };
process.on('message', (message: Message) => {
  if (message.seed) {
    fake.seed(...message.seed);
    process.send?.({ seeded: message.seed.length });
  } else if (message.requests) {
    process.send?.({ requests: seen });
  } else if (message.clear) {
    fake.clearRequests();
    recorded = 0;
    seen.length = 0;
    process.send?.({ cleared: true });
  }
});
process.once('SIGTERM', () => {
  clearInterval(poll);
  void fake.stop().then(() => process.exit(0));
});
process.send?.({ url: fake.url, kubeConfig: fake.kubeConfigYaml({ contextName: 'bench', clusterName: 'bench' }) });
