import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment } from 'drover';
import { runbookHarness, type RunbookHarness } from 'drover/testing';
import rolloutPause from './rollout-pause.js';
import rolloutResume from './rollout-resume.js';

let h: RunbookHarness;

before(async () => {
  h = await runbookHarness({ runbooks: [rolloutPause, rolloutResume] });
});
after(() => h.close());

const paused = () => h.get<V1Deployment>('deployments', 'demo', 'web')?.spec?.paused === true;

test('a deployment that is not paused: nothing to resume', async () => {
  const run = await h.run('rollout-resume', { namespace: 'demo', deployment: 'web' });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.reports, ['demo/web is not paused (revision 1, 3/3 updated); nothing to resume.']);
  assert.deepEqual(run.writes, []);
});

test('paused, a dry run plans the resume and a real run resumes it', async () => {
  await h.run('rollout-pause', { namespace: 'demo', deployment: 'web' });
  const dry = await h.dryRun('rollout-resume', { namespace: 'demo', deployment: 'web' });
  assert.deepEqual(dry.plan.map((c) => c.summary), ['resume Deployment demo/web']);
  assert.match(dry.plan[0]?.diff ?? '', /- {2}paused: true/);
  assert.equal(paused(), true);
  const run = await h.run('rollout-resume', { namespace: 'demo', deployment: 'web' });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.reports, ['Resumed the rollout of demo/web (revision 1, 3/3 updated).']);
  assert.equal(paused(), false);
});
