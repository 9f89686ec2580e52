import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment } from 'drover';
import { loadAlertPayload, runbookHarness, type RunbookHarness } from 'drover/testing';
import restartDeployment from './restart-deployment.js';
import rollbackDeployment from './rollback-deployment.js';
import rolloutStatus from './rollout-status.js';

let h: RunbookHarness;
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

before(async () => {
  h = await runbookHarness({ runbooks: [restartDeployment, rollbackDeployment, rolloutStatus] });
});
after(() => h.close());

const web = () => h.get<V1Deployment>('deployments', 'demo', 'web')!;

test('refuses a deployment with no previous revision, and writes nothing', async () => {
  const run = await h.run('rollback-deployment', { namespace: 'demo', deployment: 'web' });
  assert.equal(run.status, 'failed');
  assert.match(run.refusal ?? '', /Deployment demo\/web has no previous revision to roll back to \(revision history: 1\)/);
  assert.deepEqual(run.writes.filter((w) => !w.dryRun), []);
});

test('after a release (a restart: revision 2), a dry run plans going back to revision 1, the template diff included', async () => {
  await h.run('restart-deployment', { namespace: 'demo', deployment: 'web' });
  assert.ok(web().spec?.template?.metadata?.annotations?.[RESTARTED_AT]);
  const run = await h.dryRun('rollback-deployment', { namespace: 'demo', deployment: 'web' });
  assert.equal(run.status, 'succeeded');
  assert.match(run.plan[0]?.summary ?? '', /^rollback Deployment demo\/web: revision 2 → 1 \(ReplicaSet web-\w+\)$/);
  assert.match(run.plan[0]?.diff ?? '', new RegExp(`-\\s+${RESTARTED_AT.replace(/[./]/g, '\\$&')}: `));
  assert.ok(run.writes.every((w) => w.dryRun));
  assert.ok(web().spec?.template?.metadata?.annotations?.[RESTARTED_AT]);
});

test('a real run, approved by a second person, puts revision 1\'s template back', async () => {
  const run = await h.run('rollback-deployment', { namespace: 'demo', deployment: 'web' });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.approvers, ['U_APPROVER']);
  assert.deepEqual(run.writes.filter((w) => !w.dryRun).map((w) => [w.method, w.path]), [['PATCH', '/apis/apps/v1/namespaces/demo/deployments/web']]);
  assert.match(run.reports[0] ?? '', /^Rolled back demo\/web: revision 2 → 1 \(ReplicaSet web-\w+\)\.$/);
  assert.equal(web().spec?.template?.metadata?.annotations?.[RESTARTED_AT], undefined);
});

test('the sandbox\'s demo/api, crash-looping since its release 1.4.2, goes back to 1.4.1', async () => {
  const run = await h.run('rollback-deployment', { namespace: 'demo', deployment: 'api' });
  assert.equal(run.status, 'succeeded');
  assert.match(run.reports[0] ?? '', /^Rolled back demo\/api: revision 2 → 1 \(ReplicaSet api-\w+\)\.$/);
  assert.match(run.plan[0]?.diff ?? '', /-\s+- image: ghcr\.io\/drover\/demo-api:1\.4\.2\n\+\s+- image: ghcr\.io\/drover\/demo-api:1\.4\.1/);
  const api = h.get<V1Deployment>('deployments', 'demo', 'api');
  assert.equal(api?.spec?.template?.spec?.containers[0]?.image, 'ghcr.io/drover/demo-api:1.4.1');
});

test('a given revision that does not exist is refused', async () => {
  const run = await h.run('rollback-deployment', { namespace: 'demo', deployment: 'web', toRevision: 9 });
  assert.equal(run.status, 'failed');
  assert.match(run.refusal ?? '', /has no revision 9 to roll back to \(known revisions: /);
});

test('KubeDeploymentRolloutStuck, as Alertmanager sends it, reports the rollout and proposes the rollback; approved, it runs', async () => {
  const replay = await h.alert(await loadAlertPayload(new URL('./fixtures/alerts/kube-deployment-rollout-stuck.json', import.meta.url)));
  assert.deepEqual(replay.runs.map((r) => [r.runbook, r.params, r.status]).sort(), [
    ['rollback-deployment', { namespace: 'demo', deployment: 'web' }, 'succeeded'],
    ['rollout-status', { namespace: 'demo', deployment: 'web', waitSeconds: 0 }, 'succeeded'],
  ]);
  const rollback = replay.runs.find((r) => r.runbook === 'rollback-deployment');
  assert.deepEqual(rollback?.approvers, ['U_APPROVER']);
});
