/**
 * The chaos suite's fakes as one process of their own, so they outlive every
 * worker the suite kills and count every request they received: the
 * Kubernetes API fake (sandbox plus `chaos/d-<i>` deployments, behind a proxy
 * that can hold a request or an answer), and the Slack Web API fake.
 *
 *   tsx test/chaos/fakes/fakes-process.ts <dir> <deployments>
 *
 * Writes <dir>/kubeconfig, prints one JSON line `{ control, k8s, slack }` when
 * ready, and exits 0 on SIGTERM.
 */
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listen } from '../../../src/http/listen.js';
import { seedSandbox, startK8sFake, startSlackFake } from '../../../src/testing/index.js';
import { deployment } from '../../../src/testing/k8s-fake/sandbox-objects.js';
import { startHoldingProxy } from './holding-proxy.js';
import { controlListener } from './control.js';

const [dir, countArg] = process.argv.slice(2);
if (!dir) throw new Error('usage: fakes-process.ts <dir> <deployments>');
const count = Number(countArg ?? '50');

const k8s = await startK8sFake({ maxRecordedRequests: 2_000_000 });
seedSandbox(k8s);
const created = new Date(Date.now() - 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
k8s.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'chaos' } });
for (let i = 0; i < count; i++) {
  const uid = `00000000-0000-4000-a000-${String(i).padStart(12, '0')}`;
  k8s.seed(deployment('chaos', `d-${i}`, 1, 'nginx:1.27', 80, uid, created));
}
const proxy = await startHoldingProxy(k8s.url);
const slack = await startSlackFake({ botToken: 'xoxb-chaos-bot' });
writeFileSync(join(dir, 'kubeconfig'), k8s.kubeConfigYaml().replace(k8s.url, proxy.url));

const control = createServer(controlListener({ k8s, slack, proxy }));
const port = await listen(control, 0);
process.stdout.write(`${JSON.stringify({ control: `http://127.0.0.1:${port}`, k8s: proxy.url, slack: slack.url })}\n`);

process.once('SIGTERM', () => {
  control.closeAllConnections();
  control.close();
  void Promise.allSettled([proxy.stop(), k8s.stop(), slack.stop()]).then(() => process.exit(0));
});
