import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1PersistentVolumeClaim } from 'drover';
import { loadAlertPayload, runbookHarness, type RunbookHarness } from 'drover/testing';
import expandPvc from './expand-pvc.js';

let h: RunbookHarness;

before(async () => {
  h = await runbookHarness({ runbooks: [expandPvc] });
});
after(() => h.close());

const size = (pvc: string) => h.get<V1PersistentVolumeClaim>('persistentvolumeclaims', 'demo', pvc)?.spec?.resources?.requests?.storage;

test('a dry run plans 10Gi → 15Gi (growPercent defaults to 50)', async () => {
  const run = await h.dryRun('expand-pvc', { namespace: 'demo', pvc: 'data' });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.params, { namespace: 'demo', pvc: 'data', growPercent: 50, maxSize: '1Ti' });
  assert.deepEqual(run.reports, ['Would expand demo/data from 10Gi to 15Gi.']);
  assert.match(run.plan[0]?.diff ?? '', /-\s+storage: 10Gi\n\+\s+storage: 15Gi/);
  assert.equal(size('data'), '10Gi');
});

test('KubePersistentVolumeFillingUp, as Alertmanager sends it, proposes the expansion; approved, it grows the claim', async () => {
  const replay = await h.alert(await loadAlertPayload(new URL('./fixtures/alerts/kube-persistent-volume-filling-up.json', import.meta.url)));
  assert.deepEqual(replay.outcomes, { approval_required: 1 });
  const [run] = replay.runs;
  assert.equal(run?.status, 'succeeded');
  assert.deepEqual(run?.approvers, ['U_APPROVER']);
  assert.deepEqual(run?.reports, ['Expanded demo/data from 10Gi to 15Gi.']);
  assert.equal(size('data'), '15Gi');
});

test('refuses a claim whose StorageClass cannot expand, and growth beyond maxSize', async () => {
  const fixed = await h.run('expand-pvc', { namespace: 'demo', pvc: 'logs' });
  assert.equal(fixed.status, 'failed');
  assert.match(fixed.refusal ?? '', /StorageClass fixed does not allow volume expansion/);
  const capped = await h.run('expand-pvc', { namespace: 'demo', pvc: 'data', maxSize: '20Gi' });
  assert.match(capped.refusal ?? '', /from 15Gi to 23Gi would exceed maxSize 20Gi/);
  assert.deepEqual([...fixed.writes, ...capped.writes].filter((w) => !w.dryRun), []);
});
