/**
 * Issue #17, end to end, when the outside world lets the run down: the pull
 * request is merged but the reconciler never applies it (the run gives up
 * after syncTimeout, naming the reconciler; git keeps the change), and the
 * token file holds a token git and the forge refuse (the run fails without
 * pushing, opening or changing anything, and no token appears in what people
 * read).
 */
import { writeFile } from 'node:fs/promises';
import { waitFor } from '../../support/wait-for.js';
import { MANIFEST, gitopsSuite, scale, scaleDeployment, stages } from './e2e-support.js';

const { world } = gitopsSuite();

test('merged, but the reconciler never applies it: gitops_timed_out after syncTimeout, naming the reconciler; git keeps the change', async () => {
  const w = await world({ tool: 'flux', runbooks: [await scaleDeployment({ mode: 'propose' })], syncTimeoutMs: 3_000 });
  const submitted = await scale(w, 3);
  const proposed = await waitFor(async () => stages(await w.audit(submitted.id)).find((s) => s.stage === 'proposed'), 'the pull request', 30_000);
  // Flux is down from here on.
  await w.double.stop();
  const mergeSha = w.forge.merge(proposed.pullRequest!.number, { by: 'bob' });
  const done = await w.finished(submitted.id, 30_000);
  expect(done).toMatchObject({ state: 'failed', error: { code: 'gitops_timed_out' } });
  expect(done.error?.message).toContain(`Flux Kustomization ${w.ns}/web did not apply ${mergeSha.slice(0, 7)} within`);
  expect(done.error?.message).toMatch(/Git holds the change; check the reconciler\.$/);
  expect(stages(await w.audit(submitted.id)).map((s) => s.stage)).toEqual(['proposed', 'merged', 'timed-out']);
  expect(w.repo.show(w.repo.head(), MANIFEST)).toContain('replicas: 3 # scaled through git');
  expect(await w.replicas()).toBe(1);
  // The timeout as configured, not rounded to minutes ("within 0m" for 3s; change-flow.ts awaitSync).
  expect(done.error?.message).toMatch(new RegExp(`did not apply ${mergeSha.slice(0, 7)} within 3(\\.0)?s `));
});

test('a token git and the forge refuse: the run fails, nothing is pushed, opened or changed, and no token is shown', async () => {
  const w = await world({ tool: 'flux', runbooks: [await scaleDeployment({ mode: 'propose' })] });
  const wrong = `ghp_${'0123456789abcdef'.repeat(2)}wrongwrong`;
  await writeFile(w.tokenFile, `${wrong}\n`);
  const done = await w.finished((await scale(w, 3)).id, 30_000);
  expect(done.state).toBe('failed');
  expect(done.error?.code).toMatch(/^gitops_(git|forge)_failed$/);
  // Git asked the server, and was turned away.
  expect(w.http.requests.some((r) => !r.authorised)).toBe(true);
  expect(w.http.requests.some((r) => r.authorised)).toBe(false);
  const shown = JSON.stringify([done, await w.audit(done.id), await w.reports(done.id), await w.t.drover.store.changes(done.id)]);
  expect(shown).not.toContain(wrong);
  expect(shown).not.toContain(w.token);
  expect(shown).not.toContain(Buffer.from(`x-access-token:${wrong}`).toString('base64'));
  expect(w.branches()).toEqual(['main']);
  expect(w.forge.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  expect(await w.replicas()).toBe(1);
  // The hint reaches people whole: "credentials: check …" reads to the redactor as a `key: value` secret, and
  // "check" became "[redacted]" (git-runner.ts words it so).
  expect(done.error?.message).toContain('check the token in the GitOps repository');
  expect(done.error?.message).not.toContain('[redacted]');
});
