import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V2HorizontalPodAutoscaler } from 'drover';
import { loadAlertPayload, runbookHarness, type RunbookHarness } from 'drover/testing';
import raiseHpaMax from './raise-hpa-max.js';

let h: RunbookHarness;

before(async () => {
  h = await runbookHarness({ runbooks: [raiseHpaMax] });
});
after(() => h.close());

const maxReplicas = () => h.get<V2HorizontalPodAutoscaler>('horizontalpodautoscalers', 'shop', 'web')?.spec?.maxReplicas;

test('a dry run plans maxReplicas 6 → 9 (factor 1.5)', async () => {
  const run = await h.dryRun('raise-hpa-max', { namespace: 'shop', hpa: 'web' });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.reports, ['Would raise shop/web maxReplicas from 6 to 9 (running 6).']);
  assert.ok(run.writes.every((w) => w.dryRun));
  assert.equal(maxReplicas(), 6);
});

test('KubeHpaMaxedOut, as Alertmanager sends it, proposes the raise; approved, it runs', async () => {
  const replay = await h.alert(await loadAlertPayload(new URL('./fixtures/alerts/kube-hpa-maxed-out.json', import.meta.url)));
  assert.deepEqual(replay.outcomes, { approval_required: 1 });
  const [run] = replay.runs;
  assert.equal(run?.status, 'succeeded');
  assert.deepEqual(run?.result, { from: 6, to: 9 });
  assert.deepEqual(run?.writes.filter((w) => !w.dryRun).map((w) => [w.method, w.path]), [['PATCH', '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web']]);
  assert.equal(maxReplicas(), 9);
});

test('refuses at the ceiling, and the plan its approvers saw says so', async () => {
  const run = await h.run('raise-hpa-max', { namespace: 'shop', hpa: 'web', ceiling: 9 }, { approveAs: false });
  assert.equal(run.status, 'failed');
  assert.match(run.refusal ?? '', /already allows 9 replicas, at or above the ceiling of 9/);
  assert.equal(maxReplicas(), 9);
});
