import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAlertPayload, runbookHarness, type RunbookHarness } from 'drover/testing';
import captureDiagnostics from './capture-diagnostics.js';

let h: RunbookHarness;
// demo/api's crash-looping pod (the sandbox's names are fixed).
const crashing = 'api-5794d95484-r9t4w';

before(async () => {
  h = await runbookHarness({ runbooks: [captureDiagnostics] });
});
after(() => h.close());

test('a crash-looping pod: its summary and events, then the crashed container\'s previous logs; read-only', async () => {
  const run = await h.run('capture-diagnostics', { namespace: 'demo', pod: crashing });
  assert.equal(run.status, 'succeeded');
  assert.equal(run.reports.length, 2);
  const [summary, logs] = run.reports as [string, string];
  assert.match(summary, new RegExp(`^Pod demo/${crashing}: phase Running, node node-b, owned by ReplicaSet/api-5794d95484`));
  assert.match(summary, /Container api: image ghcr\.io\/drover\/demo-api:1\.4\.2, waiting \(CrashLoopBackOff\), ready false, restarts 4; last exit 1 \(Error\)/);
  assert.match(summary, /Warning BackOff \(x4\)/);
  assert.match(logs, new RegExp(`^Logs of ${crashing}/api, the crashed instance, last 50 lines:\\n\`\`\``));
  assert.match(logs, /level=fatal msg="exiting"/);
  assert.deepEqual(run.writes, []);
  assert.deepEqual(run.plan, []);
  assert.ok(h.cluster.requests.some((r) => r.path.endsWith(`/pods/${crashing}/log`) && r.query.previous === 'true' && r.query.container === 'api'));
});

test('a deployment: its rollout, pods and events, then its worst pod', async () => {
  const run = await h.run('capture-diagnostics', { namespace: 'demo', deployment: 'api' });
  assert.equal(run.status, 'succeeded');
  assert.match(run.reports[0] ?? '', /^Deployment demo\/api: Waiting for deployment "api" rollout to finish: 1 of 2 updated replicas are available\.\.\. \(revision 2: 2\/2 updated, 1 ready, 1 available\)\n {2}Pods \(2\):/);
  assert.match(run.reports[1] ?? '', new RegExp(`^Pod demo/${crashing}:`));
  assert.equal((run.result as { pod: string }).pod, crashing);
});

test('neither a pod nor a deployment is refused', async () => {
  const run = await h.run('capture-diagnostics', { namespace: 'demo' });
  assert.equal(run.status, 'failed');
  assert.match(run.refusal ?? '', /Give either a pod or a deployment/);
});

test('KubePodNotReady, as Alertmanager sends it, posts the diagnostics at once', async () => {
  const replay = await h.alert(await loadAlertPayload(new URL('./fixtures/alerts/kube-pod-not-ready.json', import.meta.url)));
  assert.deepEqual(replay.outcomes, { enqueued: 1 });
  const [run] = replay.runs;
  assert.deepEqual(run?.params, { namespace: 'demo', pod: crashing });
  assert.equal(run?.status, 'succeeded');
  assert.match(run?.reports[1] ?? '', /database connection refused/);
});

test('a report stays bounded, and secrets in logs are redacted like every report', async () => {
  const token = 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx';
  h.cluster.setPodLogs('demo', crashing, [...Array.from({ length: 200 }, (_, i) => `line ${i} ${'x'.repeat(100)}`), `level=fatal slack_token=${token}`], { previous: true });
  const run = await h.run('capture-diagnostics', { namespace: 'demo', pod: crashing });
  const logs = run.reports[1] ?? '';
  assert.ok(logs.length < 3000, `report of ${logs.length} characters`);
  assert.doesNotMatch(logs, /xoxb-123456789012/);
  assert.match(logs, /earlier characters cut/);
});
