import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment } from 'drover';
import { runbookHarness, type RunbookHarness } from 'drover/testing';
import restartDeployment from './restart-deployment.js';

const params = { namespace: 'demo', deployment: 'web' };
let h: RunbookHarness;

before(async () => {
  h = await runbookHarness({ runbooks: [restartDeployment] });
});
after(() => h.close());

const restartedAt = () => h.get<V1Deployment>('deployments', 'demo', 'web')?.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'];

test('a dry run plans the restart and changes nothing', async () => {
  const run = await h.dryRun('restart-deployment', params);
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.reports, ['Would restart demo/web (3 replicas).']);
  assert.equal(run.plan.length, 1);
  assert.match(run.plan[0]?.summary ?? '', /restart Deployment demo\/web/);
  assert.ok(run.writes.every((w) => w.dryRun));
  assert.equal(restartedAt(), undefined);
});

test('a real run stamps the pod template, once', async () => {
  const run = await h.run('restart-deployment', params);
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.steps.filter((s) => s.phase === 'succeeded').map((s) => s.name), ['check deployment', 'rollout restart']);
  assert.deepEqual(run.writes.map((w) => [w.method, w.path, w.dryRun]), [['PATCH', '/apis/apps/v1/namespaces/demo/deployments/web', false]]);
  assert.ok(restartedAt());
  assert.ok(run.auditEvents.some((e) => e.type === 'run.finished'));
});

test('a deployment that does not exist fails the run with not found', async () => {
  const run = await h.run('restart-deployment', { namespace: 'demo', deployment: 'nope' });
  assert.equal(run.status, 'failed');
  assert.equal(run.error?.code, 'k8s_not_found');
  assert.deepEqual(run.writes, []);
});

test('params are checked before anything runs', async () => {
  await assert.rejects(h.run('restart-deployment', { namespace: 'demo' }), { code: 'params_invalid' });
});
