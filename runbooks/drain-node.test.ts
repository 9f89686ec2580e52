import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Node, V1Pod } from 'drover';
import { loadAlertPayload, runbookHarness, type RunbookHarness } from 'drover/testing';
import drainNode from './drain-node.js';

let h: RunbookHarness;

/** The pods a drain of `node` evicts: those bound to it that have not finished, as namespace/name. */
function podsOn(node: string): string[] {
  return ['demo', 'shop']
    .flatMap((ns) => h.cluster.list('pods', ns) as unknown as V1Pod[])
    .filter((p) => p.spec?.nodeName === node && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
    .map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)
    .sort();
}

before(async () => {
  h = await runbookHarness({ runbooks: [drainNode] });
});
after(() => h.close());

const cordoned = (node: string) => h.get<V1Node>('nodes', undefined, node)?.spec?.unschedulable === true;
const evictions = (run: { writes: { method: string; path: string; dryRun: boolean }[] }) =>
  run.writes.filter((w) => w.method === 'POST' && w.path.endsWith('/eviction')).map((w) => [w.path.split('/')[6], w.dryRun]);

test('a dry run plans the cordon and an eviction per pod (sent as dry runs), and changes nothing', async () => {
  const onNodeA = podsOn('node-a');
  assert.ok(onNodeA.includes('demo/web-56cd776789-x7k2p'));
  const run = await h.dryRun('drain-node', { node: 'node-a' });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.plan.map((c) => c.summary), ['cordon Node node-a', ...onNodeA.map((p) => `evict Pod ${p}`)]);
  // Sent twice, as dry runs: for the plan the approver saw, and by the approved dry run itself.
  assert.deepEqual([...new Set(evictions(run).map(([p]) => p))].sort(), onNodeA.map((p) => p.split('/')[1]).sort());
  assert.ok(run.writes.every((w) => w.dryRun));
  assert.equal(cordoned('node-a'), false);
  assert.deepEqual(podsOn('node-a'), onNodeA);
});

test('refuses a node with a pod no controller owns, before cordoning it', async () => {
  const run = await h.run('drain-node', { node: 'node-b' });
  assert.equal(run.status, 'failed');
  assert.match(run.refusal ?? '', /Refusing to drain node-b: 1 pod\(s\) cannot be evicted safely: demo\/debug-shell: no controller owns it/);
  assert.deepEqual(run.writes.filter((w) => !w.dryRun), []);
  assert.equal(cordoned('node-b'), false);
});

test('KubeNodeUnreachable, as Alertmanager sends it, proposes the drain; approved, it cordons and evicts every pod', async () => {
  const onNodeA = podsOn('node-a');
  const replay = await h.alert(await loadAlertPayload(new URL('./fixtures/alerts/kube-node-unreachable.json', import.meta.url)));
  assert.deepEqual(replay.outcomes, { approval_required: 1 });
  const [run] = replay.runs;
  assert.deepEqual(run?.params, { node: 'node-a', timeoutSeconds: 120, force: false, deleteEmptyDirData: false });
  assert.equal(run?.status, 'succeeded');
  assert.deepEqual(run?.approvers, ['U_APPROVER']);
  assert.equal(cordoned('node-a'), true);
  assert.deepEqual(evictions(run).filter(([, dry]) => !dry).map(([p]) => p).sort(), onNodeA.map((p) => p.split('/')[1]).sort());
  // The finished pod of a failed Job is skipped.
  assert.equal(run?.reports[0]?.split('\n')[0], `Drained node-a: evicted ${onNodeA.length} of ${onNodeA.length} pod(s), skipped 1.`);
  // Their controllers replaced them elsewhere: nothing runs on the cordoned node.
  assert.deepEqual(podsOn('node-a'), []);
});

test('a PodDisruptionBudget that allows no disruption: retried until timeoutSeconds, then reported and failed; the rest is evicted', async () => {
  h.cluster.seed({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'api', namespace: 'demo', generation: 1 },
    spec: { minAvailable: 1, selector: { matchLabels: { app: 'api' } } },
    status: { observedGeneration: 1, disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 2 },
  });
  const run = await h.run('drain-node', { node: 'node-b', force: true, timeoutSeconds: 10 }, {});
  assert.equal(run.status, 'failed');
  assert.equal(run.error?.code, 'k8s_throttled');
  const report = run.reports[0] ?? '';
  assert.match(report, /^Drained node-b: evicted \d+ of \d+ pod\(s\)/);
  assert.match(report, /NOT evicted: demo\/api-5794d95484-r9t4w: The disruption budget api needs 1 healthy pods and has 1 currently \(still blocked after 10s, \d+ attempts\)/);
  // Only budgeted pods are left: api's, and web's last two (the sandbox's web budget keeps 2 up, and with
  // both nodes cordoned their replacements cannot start). The unmanaged pod went too (force).
  const notEvicted = report.split('\n').filter((l) => l.includes('NOT evicted'));
  assert.ok(notEvicted.every((l) => /demo\/(api|web)-\S+: The disruption budget (api|web) needs/.test(l)), notEvicted.join('\n'));
  assert.equal(h.get<V1Pod>('pods', 'demo', 'debug-shell'), undefined);
  assert.equal(cordoned('node-b'), true);
  assert.ok(h.get<V1Pod>('pods', 'demo', 'api-5794d95484-r9t4w'));
});
