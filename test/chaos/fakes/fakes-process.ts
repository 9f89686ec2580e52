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
import { deployment, node } from '../../../src/testing/k8s-fake/sandbox-objects.js';
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
// Targets of the approval-gated runbooks: chaos/h-<i> (HPA, max 6), chaos/p-<i> (claim, 10Gi, expandable), node n-<i>.
for (let i = 0; i < 4; i++) {
  const id = (n: number): string => `00000000-0000-4000-b000-${String(n * 100 + i).padStart(12, '0')}`;
  k8s.seed({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: `h-${i}`, namespace: 'chaos', uid: id(1), creationTimestamp: created },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: `d-${i}` }, minReplicas: 1, maxReplicas: 6, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] },
    status: { currentReplicas: 6, desiredReplicas: 6 },
  });
  k8s.seed({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: `p-${i}`, namespace: 'chaos', uid: id(2), creationTimestamp: created },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } }, storageClassName: 'standard-expandable', volumeMode: 'Filesystem', volumeName: `pv-chaos-${i}` },
    status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '10Gi' } },
  });
  const n = node('node-a', `10.0.9.${i + 1}`, created);
  k8s.seed({ ...n, metadata: { ...n.metadata, name: `n-${i}`, uid: id(3), labels: { 'kubernetes.io/hostname': `n-${i}`, 'kubernetes.io/os': 'linux' } } });
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
