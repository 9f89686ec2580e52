import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment } from 'drover';
import { runbookHarness, type RunbookHarness } from 'drover/testing';
import scaleDeployment from './scale-deployment.js';

let h: RunbookHarness;

before(async () => {
  h = await runbookHarness({ runbooks: [scaleDeployment] });
});
after(() => h.close());

const replicas = () => h.get<V1Deployment>('deployments', 'demo', 'web')?.spec?.replicas;

test('a dry run plans 3 → 5 and changes nothing', async () => {
  const run = await h.dryRun('scale-deployment', { namespace: 'demo', deployment: 'web', replicas: 5 });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.reports, ['Would scale demo/web from 3 to 5 replicas.']);
  assert.match(run.plan[0]?.summary ?? '', /replicas 3 → 5/);
  assert.ok(run.writes.every((w) => w.dryRun));
  assert.equal(replicas(), 3);
});

test('a real run scales through the scale subresource', async () => {
  const run = await h.run('scale-deployment', { namespace: 'demo', deployment: 'web', replicas: 5 });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.result, { from: 3, to: 5, changed: true });
  assert.deepEqual(run.writes.map((w) => [w.method, w.path]), [['PATCH', '/apis/apps/v1/namespaces/demo/deployments/web/scale']]);
  assert.equal(replicas(), 5);
});

test('the same count again is reported and writes nothing', async () => {
  const run = await h.run('scale-deployment', { namespace: 'demo', deployment: 'web', replicas: 5 });
  assert.deepEqual(run.reports, ['demo/web already has 5 replicas; nothing to do.']);
  assert.deepEqual(run.writes, []);
});

test('refuses zero without allowZero, and more than 4x at once', async () => {
  const zero = await h.run('scale-deployment', { namespace: 'demo', deployment: 'web', replicas: 0 });
  assert.match(zero.refusal ?? '', /to 0 replicas without allowZero=true/);
  const jump = await h.run('scale-deployment', { namespace: 'demo', deployment: 'web', replicas: 21 });
  assert.match(jump.refusal ?? '', /from 5 to 21: more than 4x at once/);
  assert.deepEqual([...zero.writes, ...jump.writes], []);
  assert.equal(replicas(), 5);
});

test('params outside the schema are refused before any run exists', async () => {
  await assert.rejects(h.run('scale-deployment', { namespace: 'demo', deployment: 'web', replicas: 51 }), { code: 'params_invalid' });
});
