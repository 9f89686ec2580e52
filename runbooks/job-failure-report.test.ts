import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAlertPayload, runbookHarness, type RunbookHarness } from 'drover/testing';
import jobFailureReport from './job-failure-report.js';

let h: RunbookHarness;

before(async () => {
  h = await runbookHarness({ runbooks: [jobFailureReport] });
});
after(() => h.close());

test('KubeJobFailed, as Alertmanager sends it, posts each failed pod\'s last log lines and warnings', async () => {
  const replay = await h.alert(await loadAlertPayload(new URL('./fixtures/alerts/kube-job-failed.json', import.meta.url)));
  assert.deepEqual(replay.outcomes, { enqueued: 1 });
  const [run] = replay.runs;
  assert.equal(run?.status, 'succeeded');
  assert.deepEqual(run?.params, { namespace: 'demo', job: 'nightly-report' });
  assert.equal(run?.reports.length, 2);
  for (const report of run?.reports ?? []) assert.match(report, /^Pod nightly-report-\w+: last 40 log lines\n```\n[^`]+\n```/);
  // Read-only: nothing reached the API server but reads.
  assert.deepEqual(run?.writes, []);
});

test('a dry run reports the same: it only reads', async () => {
  const run = await h.dryRun('job-failure-report', { namespace: 'demo', job: 'nightly-report' });
  assert.equal(run.status, 'succeeded');
  assert.equal(run.reports.length, 2);
  assert.deepEqual(run.plan, []);
});

test('a job that does not exist fails the run with not found', async () => {
  const run = await h.run('job-failure-report', { namespace: 'demo', job: 'weekly-report' });
  assert.equal(run.status, 'failed');
  assert.equal(run.error?.code, 'k8s_not_found');
});
