import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment } from 'drover';
import { loadAlertPayload, runbookHarness, type RunbookHarness } from 'drover/testing';
import diagnoseRestart from './diagnose-restart-deployment.js';

let h: RunbookHarness;

before(async () => {
  h = await runbookHarness({ runbooks: [diagnoseRestart] });
});
after(() => h.close());

const restartedAt = () => h.get<V1Deployment>('deployments', 'demo', 'api')?.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'];

test('a dry run explains the mismatch and plans the restart', async () => {
  const run = await h.dryRun('diagnose-restart-deployment', { namespace: 'demo', deployment: 'api' });
  assert.equal(run.status, 'succeeded');
  const [diagnosis, restart] = run.reports;
  assert.match(diagnosis ?? '', /^demo\/api: 1\/2 replicas available, 2 pods\./);
  assert.match(diagnosis ?? '', /Not ready: api-5794d95484-r9t4w \(Running: CrashLoopBackOff\)/);
  assert.equal(restart, 'Would restart demo/api.');
  assert.deepEqual(run.plan.map((c) => [c.verb, c.kind, c.name]), [['patch', 'Deployment', 'api']]);
  assert.equal(restartedAt(), undefined);
});

test('KubeDeploymentReplicasMismatch, as Alertmanager sends it, diagnoses and restarts demo/api', async () => {
  const replay = await h.alert(await loadAlertPayload(new URL('./fixtures/alerts/kube-deployment-replicas-mismatch.json', import.meta.url)));
  assert.deepEqual(replay.outcomes, { enqueued: 1 });
  const [run] = replay.runs;
  assert.equal(run?.status, 'succeeded');
  assert.deepEqual(run?.params, { namespace: 'demo', deployment: 'api' });
  assert.equal(run?.reports.at(-1), 'Restarted demo/api.');
  assert.deepEqual(run?.writes.map((w) => [w.method, w.path, w.dryRun]), [['PATCH', '/apis/apps/v1/namespaces/demo/deployments/api', false]]);
  assert.ok(restartedAt());
});

test('a deployment that does not exist fails the run, naming it', async () => {
  const run = await h.run('diagnose-restart-deployment', { namespace: 'demo', deployment: 'gone' });
  assert.equal(run.status, 'failed');
  assert.equal(run.error?.code, 'k8s_not_found');
  assert.match(run.error?.message ?? '', /gone/);
});
