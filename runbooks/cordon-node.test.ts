import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Node } from 'drover';
import { loadAlertPayload, runbookHarness, type RunbookHarness } from 'drover/testing';
import cordonNode from './cordon-node.js';

let h: RunbookHarness;

before(async () => {
  h = await runbookHarness({ runbooks: [cordonNode] });
});
after(() => h.close());

const cordoned = (node: string) => h.get<V1Node>('nodes', undefined, node)?.spec?.unschedulable === true;

test('a dry run (approved too: cordon-node always needs approval) plans the cordon', async () => {
  const run = await h.dryRun('cordon-node', { node: 'node-a' });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.approvers, ['U_APPROVER']);
  assert.deepEqual(run.reports, ['Would cordon node-a (Ready=True, KubeletReady).']);
  assert.ok(run.writes.every((w) => w.dryRun));
  assert.equal(cordoned('node-a'), false);
});

test('a real run waits for a second person: the requester cannot approve it', async () => {
  const held = await h.run('cordon-node', { node: 'node-a' }, { approveAs: false });
  assert.equal(held.status, 'awaiting_approval');
  assert.match(held.plan[0]?.summary ?? '', /node-a/);
  await assert.rejects(h.approve(held.id, 'U_AUTHOR'), { code: 'approval_refused' });
  const run = await h.approve(held.id, 'U_APPROVER');
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.writes.filter((w) => !w.dryRun).map((w) => [w.method, w.path]), [['PATCH', '/api/v1/nodes/node-a']]);
  assert.equal(cordoned('node-a'), true);
});

test('KubeNodeNotReady, as Alertmanager sends it, proposes the cordon; approved, it runs', async () => {
  const replay = await h.alert(await loadAlertPayload(new URL('./fixtures/alerts/kube-node-not-ready.json', import.meta.url)));
  assert.deepEqual(replay.outcomes, { approval_required: 1 });
  const [run] = replay.runs;
  assert.deepEqual(run?.params, { node: 'node-b' });
  assert.equal(run?.status, 'succeeded');
  assert.equal(cordoned('node-b'), true);
});

test('a node already cordoned is reported, not patched again', async () => {
  const run = await h.run('cordon-node', { node: 'node-b' });
  assert.deepEqual(run.result, { changed: false });
  assert.match(run.reports[0] ?? '', /node-b is already cordoned/);
  assert.deepEqual(run.writes.filter((w) => !w.dryRun), []);
});
