import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAlertPayload, runbookHarness, type RunbookHarness } from 'drover/testing';
import deletePod from './delete-pod.js';

let h: RunbookHarness;
// A pod of demo/web, owned by its ReplicaSet (the sandbox's names are fixed).
const pod = 'web-56cd776789-x7k2p';

before(async () => {
  h = await runbookHarness({ runbooks: [deletePod] });
});
after(() => h.close());

test('a dry run plans the delete and leaves the pod', async () => {
  const run = await h.dryRun('delete-pod', { namespace: 'demo', pod });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.plan.map((c) => [c.verb, c.kind, c.name]), [['delete', 'Pod', pod]]);
  assert.ok(run.writes.every((w) => w.dryRun));
  assert.ok(h.get('pods', 'demo', pod));
});

test('a real run deletes the pod, bound to its uid, and says who replaces it', async () => {
  const run = await h.run('delete-pod', { namespace: 'demo', pod });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.writes.map((w) => [w.method, w.path, w.dryRun]), [['DELETE', `/api/v1/namespaces/demo/pods/${pod}`, false]]);
  assert.deepEqual(run.writes[0]?.body, { preconditions: { uid: '00000000-0000-4000-9000-000000000001' } });
  assert.deepEqual(run.reports, [`Deleted demo/${pod}; ReplicaSet/web-56cd776789 will replace it.`]);
  assert.equal(h.get('pods', 'demo', pod), undefined);
});

test('refuses a pod no controller owns: nothing would bring it back', async () => {
  const run = await h.run('delete-pod', { namespace: 'demo', pod: 'debug-shell' });
  assert.equal(run.status, 'failed');
  assert.match(run.refusal ?? '', /no controller owns it/);
  assert.deepEqual(run.writes, []);
});

test('KubePodCrashLooping, as Alertmanager sends it, replaces the crash-looping pod', async () => {
  const replay = await h.alert(await loadAlertPayload(new URL('./fixtures/alerts/kube-pod-crash-looping.json', import.meta.url)));
  assert.deepEqual(replay.outcomes, { enqueued: 1 });
  const [run] = replay.runs;
  assert.deepEqual(run?.params, { namespace: 'demo', pod: 'api-5794d95484-r9t4w' });
  assert.equal(run?.status, 'succeeded');
  assert.equal(run?.record.requester.kind, 'alert');
  assert.equal(h.get('pods', 'demo', 'api-5794d95484-r9t4w'), undefined);
});
