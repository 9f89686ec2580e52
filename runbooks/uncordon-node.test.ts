import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Node } from 'drover';
import { runbookHarness, type RunbookHarness } from 'drover/testing';
import cordonNode from './cordon-node.js';
import uncordonNode from './uncordon-node.js';

let h: RunbookHarness;

before(async () => {
  h = await runbookHarness({ runbooks: [cordonNode, uncordonNode] });
  await h.run('cordon-node', { node: 'node-a' });
});
after(() => h.close());

const cordoned = (node: string) => h.get<V1Node>('nodes', undefined, node)?.spec?.unschedulable === true;

test('a dry run plans the uncordon and leaves the node cordoned', async () => {
  const run = await h.dryRun('uncordon-node', { node: 'node-a' });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.plan.map((c) => c.summary), ['uncordon Node node-a']);
  assert.match(run.plan[0]?.diff ?? '', /- {2}unschedulable: true/);
  assert.deepEqual(run.reports, ['Would uncordon node-a (Ready=True, KubeletReady).']);
  assert.ok(run.writes.every((w) => w.dryRun));
  assert.equal(cordoned('node-a'), true);
});

test('a real run makes the node schedulable again, once', async () => {
  const run = await h.run('uncordon-node', { node: 'node-a' });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.writes.map((w) => [w.method, w.path, w.dryRun]), [['PATCH', '/api/v1/nodes/node-a', false]]);
  assert.equal(cordoned('node-a'), false);
  const again = await h.run('uncordon-node', { node: 'node-a' });
  assert.deepEqual(again.result, { changed: false });
  assert.deepEqual(again.reports, ['node-a is already schedulable (Ready=True, KubeletReady).']);
});

test('refuses a node that is not Ready, unless force', async () => {
  const node = h.get<V1Node>('nodes', undefined, 'node-b')!;
  h.cluster.seed({
    ...node,
    apiVersion: 'v1',
    kind: 'Node',
    spec: { ...node.spec, unschedulable: true },
    status: { ...node.status, conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady' }] },
  });
  const refused = await h.run('uncordon-node', { node: 'node-b' });
  assert.equal(refused.status, 'failed');
  assert.match(refused.refusal ?? '', /Refusing to uncordon node-b: it is not Ready \(Ready=False, KubeletNotReady\)/);
  assert.deepEqual(refused.writes, []);
  const forced = await h.run('uncordon-node', { node: 'node-b', force: true });
  assert.equal(forced.status, 'succeeded');
  assert.equal(cordoned('node-b'), false);
});
