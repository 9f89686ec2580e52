import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runbookHarness, type RunbookHarness } from 'drover/testing';
import rolloutStatus from './rollout-status.js';

let h: RunbookHarness;

before(async () => {
  h = await runbookHarness({ runbooks: [rolloutStatus] });
});
after(() => h.close());

test('a finished rollout, in kubectl\'s words; read-only', async () => {
  const run = await h.run('rollout-status', { namespace: 'demo', deployment: 'web' });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.reports, ['demo/web: deployment "web" successfully rolled out (revision 1: 3/3 updated, 3 ready, 3 available).']);
  assert.deepEqual(run.writes, []);
  assert.deepEqual(run.plan, []);
});

test('a rollout short of available replicas says what it waits for', async () => {
  const run = await h.run('rollout-status', { namespace: 'demo', deployment: 'api' });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.reports, ['demo/api: Waiting for deployment "api" rollout to finish: 1 of 2 updated replicas are available... (revision 2: 2/2 updated, 1 ready, 1 available).']);
  assert.equal((run.result as { done: boolean }).done, false);
});
