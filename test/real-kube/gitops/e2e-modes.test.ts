/**
 * Issue #17, end to end, what does not go through a pull request, and a
 * restart in the middle of one: an object git does not manage is scaled
 * directly as before (the forge and the repository untouched); a runbook
 * without a GitOps mode is refused on a git-managed object, naming its owner,
 * unless a policy entry allows `direct` (then the change is made, called
 * drift, and the reconciler reverts it); and a worker process replaced while
 * its run is parked (on the review, or after the merge on a reconciler that is
 * down) finishes the run with exactly one pull request.
 */
import { AppsV1Api } from '@kubernetes/client-node';
import { waitFor } from '../../support/wait-for.js';
import { MANIFEST, PROJECT, gitopsSuite, policyWith, pullsOpened, scale, scaleDeployment, stages, type World } from './e2e-support.js';

const { kube, world } = gitopsSuite();
const scaleTo = (w: World, deployment: string, replicas: number) => scale(w, replicas, { deployment });

test('an object git does not manage: scaled directly as before; no request reached the forge, no branch was pushed', async () => {
  const w = await world({ tool: 'flux', runbooks: [await scaleDeployment({ mode: 'propose' })] });
  const apps = kube().kubeConfig().makeApiClient(AppsV1Api);
  await apps.createNamespacedDeployment({
    namespace: w.ns,
    body: {
      metadata: { name: 'api', labels: { app: 'api' } },
      spec: { replicas: 1, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'nginx:1.25' }] } } },
    },
  });
  const run = await w.finished((await scaleTo(w, 'api', 3)).id);
  expect(run.state).toBe('succeeded');
  expect(run.result).toEqual({ from: 1, to: 3, changed: true });
  expect((await apps.readNamespacedDeployment({ namespace: w.ns, name: 'api' })).spec?.replicas).toBe(3);
  expect(await w.reports(run.id)).toContain(`Scaled ${w.ns}/api from 1 to 3 replicas.`);
  const events = await w.audit(run.id);
  expect(stages(events)).toEqual([]);
  expect(events.filter((e) => e.type === 'k8s.mutation').map((e) => e.type === 'k8s.mutation' && [e.verb, e.kind, e.name, e.outcome])).toEqual([['patch', 'Deployment/scale', 'api', 'succeeded']]);
  expect(w.forge.requests).toEqual([]);
  expect(w.branches()).toEqual(['main']);
  // The double's own deployment is untouched.
  expect(await w.replicas()).toBe(1);
});

test('no GitOps mode anywhere: refused with gitops_refused naming the owner, nothing changed', async () => {
  const w = await world({ tool: 'flux', runbooks: [await scaleDeployment('none')] });
  const run = await w.finished((await scaleTo(w, 'web', 3)).id);
  expect(run).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'gitops_refused' } });
  expect(run.error?.message).toContain(`Deployment ${w.ns}/web is managed by Flux Kustomization ${w.ns}/web`);
  expect(run.error?.message).toMatch(/GitOps mode refuse \(default \(runbook scale-deployment declares no gitops mode and no policy gitops entry matches\)\): nothing was changed\./);
  expect(stages(await w.audit(run.id)).map((s) => s.stage)).toEqual(['refused']);
  expect((await w.audit(run.id)).filter((e) => e.type === 'k8s.mutation')).toEqual([]);
  expect(await w.replicas()).toBe(1);
  expect(w.forge.requests).toEqual([]);
  expect(w.branches()).toEqual(['main']);
});

test('a policy entry allowing direct: changed directly, reported as drift, and the reconciler puts git\'s value back', async () => {
  const w = await world({
    tool: 'flux',
    runbooks: [await scaleDeployment('none')],
    policy: policyWith(['{ runbooks: [scale-deployment], mode: direct }']),
  });
  const run = await w.finished((await scaleTo(w, 'web', 3)).id);
  expect(run).toMatchObject({ state: 'succeeded', result: { from: 1, to: 3, changed: true } });
  expect(await w.reports(run.id)).toContainEqual(
    expect.stringMatching(new RegExp(`^Deployment ${w.ns}/web is managed by Flux Kustomization ${w.ns}/web .*; changing it directly \\(policy gitops\\[0\\]\\) — git still says otherwise, so it is drift\\.$`)),
  );
  const events = await w.audit(run.id);
  expect(stages(events).map((s) => [s.stage, s.detail])).toEqual([['direct', 'policy gitops[0]']]);
  expect(events.some((e) => e.type === 'k8s.mutation' && e.kind === 'Deployment/scale' && e.outcome === 'succeeded')).toBe(true);
  expect(w.forge.requests).toEqual([]);
  // Drift: Flux's next interval puts git's value back.
  await w.double.reconcileNow();
  await waitFor(async () => (await w.replicas()) === 1, "the double to revert the drift", 5_000);
});

test('the worker process restarts while its run is parked on the pull request: after the merge the run finishes, with exactly one pull request', async () => {
  const w = await world({ tool: 'flux', runbooks: [await scaleDeployment({ mode: 'propose' })] });
  const submitted = await scaleTo(w, 'web', 3);
  const proposed = await waitFor(
    async () => {
      const run = await w.t.drover.store.get(submitted.id);
      const found = stages(await w.audit(submitted.id)).find((s) => s.stage === 'proposed');
      return run?.state === 'running' && run.parkedUntil !== undefined && found ? found : undefined;
    },
    'the run to open its pull request and park',
    30_000,
  );
  const looks = () => w.forge.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/pulls/${proposed.pullRequest!.number}`)).length;
  await w.restart();
  // The new process wakes the run and looks at the request (unmerged) again: still one request, no second branch.
  const before = looks();
  await waitFor(() => looks() > before, 'the new worker to look at the pull request', 15_000);
  expect(pullsOpened(w)).toBe(1);
  expect(w.branches().sort()).toEqual([proposed.branch, 'main'].sort());

  w.forge.merge(proposed.pullRequest!.number, { by: 'bob' });
  const done = await w.finished(submitted.id);
  expect(done).toMatchObject({ state: 'succeeded', attempts: 1 });
  expect(pullsOpened(w)).toBe(1);
  expect(w.forge.requests.filter((r) => r.method === 'POST' && /\/pulls$/.test(r.path))).toHaveLength(1);
  // As the forge lists them: one pull request for the branch, in any state.
  const listed = await fetch(`${w.forge.apiUrl}/repos/${PROJECT}/pulls?head=acme:${proposed.branch}&state=all`, { headers: { authorization: `Bearer ${w.token}` } });
  expect(((await listed.json()) as Array<{ number: number; state: string }>).map((p) => [p.number, p.state])).toEqual([[1, 'closed']]);
  expect(w.branches().sort()).toEqual([proposed.branch, 'main'].sort());
  expect(w.repo.show(w.repo.head(), MANIFEST)).toContain('replicas: 3 # scaled through git');
  expect(stages(await w.audit(submitted.id)).map((s) => s.stage)).toEqual(['proposed', 'merged', 'synced', 'verified']);
  expect(await w.replicas()).toBe(3);
});

test('merged while the reconciler is down, the worker process restarts, the reconciler returns: synced and verified once, one pull request', async () => {
  const w = await world({ tool: 'flux', runbooks: [await scaleDeployment({ mode: 'propose' })] });
  const submitted = await scaleTo(w, 'web', 2);
  const proposed = await waitFor(async () => stages(await w.audit(submitted.id)).find((s) => s.stage === 'proposed'), 'the pull request', 30_000);
  await w.double.stop();
  const mergeSha = w.forge.merge(proposed.pullRequest!.number, { by: 'bob' });
  // Merged and waiting for Flux, which is not there.
  await waitFor(
    async () => {
      const run = await w.t.drover.store.get(submitted.id);
      return run?.state === 'running' && run.parkedReason?.startsWith(`Flux Kustomization ${w.ns}/web to apply ${mergeSha.slice(0, 7)}`);
    },
    'the run to park on the sync',
    15_000,
  );
  await w.restart();
  w.startDouble();
  const done = await w.finished(submitted.id);
  expect(done).toMatchObject({ state: 'succeeded', attempts: 1 });
  expect(stages(await w.audit(submitted.id)).map((s) => s.stage)).toEqual(['proposed', 'merged', 'synced', 'verified']);
  expect(pullsOpened(w)).toBe(1);
  expect(await w.replicas()).toBe(2);
});
