import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment } from 'drover';
import { runbookHarness, type RunbookHarness } from 'drover/testing';
import rolloutPause from './rollout-pause.js';

let h: RunbookHarness;

before(async () => {
  h = await runbookHarness({ runbooks: [rolloutPause] });
});
after(() => h.close());

const paused = () => h.get<V1Deployment>('deployments', 'demo', 'web')?.spec?.paused === true;

test('a dry run plans spec.paused, with its diff, and pauses nothing', async () => {
  const run = await h.dryRun('rollout-pause', { namespace: 'demo', deployment: 'web' });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.plan.map((c) => c.summary), ['pause Deployment demo/web']);
  assert.match(run.plan[0]?.diff ?? '', /\+ {2}paused: true/);
  assert.deepEqual(run.reports, ['Would pause the rollout of demo/web (revision 1, 3/3 updated).']);
  assert.ok(run.writes.every((w) => w.dryRun));
  assert.equal(paused(), false);
});

test('a real run pauses the rollout; a second one changes nothing', async () => {
  const run = await h.run('rollout-pause', { namespace: 'demo', deployment: 'web' });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.writes.map((w) => [w.method, w.path, w.dryRun]), [['PATCH', '/apis/apps/v1/namespaces/demo/deployments/web', false]]);
  assert.equal(paused(), true);
  const again = await h.run('rollout-pause', { namespace: 'demo', deployment: 'web' });
  assert.deepEqual(again.reports, ['demo/web is already paused (revision 1, 3/3 updated).']);
  assert.deepEqual(again.writes, []);
});

test('a missing deployment fails as k8s_not_found', async () => {
  const run = await h.run('rollout-pause', { namespace: 'demo', deployment: 'absent' });
  assert.equal(run.status, 'failed');
  assert.equal(run.error?.code, 'k8s_not_found');
});
