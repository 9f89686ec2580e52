/**
 * Issue #17, end to end, `suspend` mode with Flux: the run suspends the
 * Kustomization (marked as Drover's), scales the deployment directly (which
 * the suspended reconciler leaves alone, while an unsuspended one reverts
 * such a change), opens the pull request so git catches up, and resumes when
 * it merges, then waits for the sync and verifies; or, when the window ends
 * first, resumes (the reconciler puts git's value back), fails
 * gitops_timed_out and leaves the request open with a comment. Every step is
 * in the audit log, in order.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { AuditEvent } from '../../../src/audit/events.js';
import { createK8sOps } from '../../../src/k8s/ops.js';
import { waitFor } from '../../support/wait-for.js';
import { MANIFEST, PROJECT, gitopsSuite, kustomization, numstat, parkedOnPullRequest, scale, scaleDeployment, stages, type Kustomization, type World } from './e2e-support.js';

const { kube, world } = gitopsSuite();

const droverMarks = (k: Kustomization) => Object.keys(k.metadata.annotations ?? {}).filter((a) => a.startsWith('drover.dev/'));

/** The run's changes to the cluster and its GitOps stages, in audit order. */
const story = (events: AuditEvent[]) =>
  events.flatMap((e) => {
    if (e.type === 'gitops.stage') return [e.stage];
    if (e.type === 'k8s.mutation') return [`k8s.mutation ${e.verb} ${e.kind}`];
    return [];
  });

const scaleDirectly = (w: World, to: number) => createK8sOps({ cluster: 'test', kubeConfig: kube().kubeConfig(), dryRun: false }).scaleDeployment(w.ns, 'web', to);

test('suspended, scaled directly and not reverted, proposed; merged → resumed, synced, verified; all audited in order', async () => {
  const w = await world({ tool: 'flux', runbooks: [await scaleDeployment({ mode: 'suspend', window: '1m' })] });
  // Control: while the Kustomization runs, a direct change is drift the double reverts.
  await scaleDirectly(w, 4);
  await w.double.reconcileNow();
  expect(await w.replicas()).toBe(1);

  const submitted = await scale(w, 3);
  const proposed = await parkedOnPullRequest(w, submitted.id);
  const suspended = await kustomization(kube(), w);
  expect(suspended.spec.suspend).toBe(true);
  expect(suspended.metadata.annotations?.['drover.dev/suspended-by']).toBe(submitted.id);
  expect(droverMarks(suspended)).toEqual(expect.arrayContaining(['drover.dev/suspended-by', 'drover.dev/suspended-until']));
  expect(numstat(w.repo, proposed.branch as string)).toBe(`1\t1\t${MANIFEST}`);
  // Suspended: the direct change stays, tick after tick.
  expect(await w.replicas()).toBe(3);
  await w.double.reconcileNow();
  await w.double.reconcileNow();
  expect(await w.replicas()).toBe(3);

  const mergeSha = w.forge.merge(proposed.pullRequest!.number, { by: 'bob' });
  const done = await w.finished(submitted.id);
  expect(done.state).toBe('succeeded');
  const resumed = await kustomization(kube(), w);
  expect(resumed.spec.suspend).toBe(false);
  expect(droverMarks(resumed)).toEqual([]);
  const events = await w.audit(submitted.id);
  // The suspension and the resumption are patches of the Kustomization, the scale one of the deployment's scale subresource.
  expect(story(events)).toEqual([
    'k8s.mutation patch Kustomization',
    'suspended',
    'k8s.mutation patch Deployment/scale',
    'proposed',
    'merged',
    'k8s.mutation patch Kustomization',
    'resumed',
    'synced',
    'verified',
  ]);
  expect(stages(events).find((s) => s.stage === 'merged')).toMatchObject({ commit: mergeSha, by: ['bob'] });
  // Every stage names the change the run made (1 → 3), though the live object held 3 from the direct change on.
  expect(stages(events).map((s) => s.fields)).toEqual(stages(events).map(() => ['spec.replicas 1 → 3']));
  expect((await w.t.drover.store.changes(submitted.id)).map((c) => c.summary).join('\n')).toMatch(/through git: spec\.replicas 1 → 3 \(pull request #1/);
  const reports = await w.reports(submitted.id);
  expect(reports.filter((r) => /^(Suspended|Opened|Pull request #1 merged|Resumed|Verified)/.test(r)).map((r) => r.split(' ')[0])).toEqual(['Suspended', 'Opened', 'Pull', 'Resumed', 'Verified:']);
  // Resumed, the reconciler applies git, which now says 3.
  await w.double.reconcileNow();
  await w.double.reconcileNow();
  expect(await w.replicas()).toBe(3);
});

test('the window ends before the merge: resumed, the run fails gitops_timed_out, git\'s value comes back, the request stays open with a comment', async () => {
  const w = await world({ tool: 'flux', runbooks: [await scaleDeployment({ mode: 'suspend', window: '3s' })] });
  const submitted = await scale(w, 3);
  const proposed = await parkedOnPullRequest(w, submitted.id);
  const number = proposed.pullRequest!.number;
  expect((await kustomization(kube(), w)).spec.suspend).toBe(true);

  const done = await w.finished(submitted.id, 30_000);
  expect(done).toMatchObject({ state: 'failed', error: { code: 'gitops_timed_out' } });
  expect(done.error?.message).toMatch(/the suspension window ended before the merge\. Flux Kustomization .*\/web is resumed and puts git's value back\. The pull request stays open/);
  const events = await w.audit(submitted.id);
  expect(story(events)).toEqual(['k8s.mutation patch Kustomization', 'suspended', 'k8s.mutation patch Deployment/scale', 'proposed', 'timed-out', 'k8s.mutation patch Kustomization', 'resumed']);
  const resumed = await kustomization(kube(), w);
  expect(resumed.spec.suspend).toBe(false);
  expect(droverMarks(resumed)).toEqual([]);
  await waitFor(async () => (await w.replicas()) === 1, 'the resumed double to put git\'s value back', 10_000);

  // The pull request, as the forge's API shows it: still open, with Drover's note.
  const pull = (await (await fetch(`${w.forge.apiUrl}/repos/${PROJECT}/pulls/${number}`, { headers: { authorization: `Bearer ${w.token}` } })).json()) as { state: string; merged: boolean };
  expect(pull).toMatchObject({ state: 'open', merged: false });
  expect(w.forge.comments(number)).toEqual([expect.stringMatching(new RegExp(`^Drover run ${submitted.id} stopped waiting: the suspension window ended before the merge\\. This pull request stays open`))]);
  expect(w.branches()).toContain(proposed.branch);
});

interface Application {
  metadata: { annotations?: Record<string, string> };
  spec: { syncPolicy?: { automated?: Record<string, unknown> } };
}
const application = async (w: World) =>
  (await kube()
    .kubeConfig()
    .makeApiClient(CustomObjectsApi)
    .getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'applications', namespace: w.ns, name: 'web' })) as Application;

test('Argo CD: auto-sync taken away (self-heal with it) for the window, the direct scale stays; merged → auto-sync restored as it was, synced, verified', async () => {
  const w = await world({ tool: 'argocd', runbooks: [await scaleDeployment({ mode: 'suspend', window: '1m' })] });
  // Control: with self-heal, a direct change is reverted.
  await scaleDirectly(w, 4);
  await w.double.reconcileNow();
  expect(await w.replicas()).toBe(1);

  const submitted = await scale(w, 3);
  const proposed = await parkedOnPullRequest(w, submitted.id);
  const suspended = await application(w);
  expect(suspended.spec.syncPolicy?.automated).toBeUndefined();
  expect(suspended.metadata.annotations?.['drover.dev/suspended-by']).toBe(submitted.id);
  await w.double.reconcileNow();
  await w.double.reconcileNow();
  expect(await w.replicas()).toBe(3);

  w.forge.merge(proposed.pullRequest!.number, { by: 'bob' });
  expect((await w.finished(submitted.id)).state).toBe('succeeded');
  const resumed = await application(w);
  expect(resumed.spec.syncPolicy?.automated).toEqual({ prune: true, selfHeal: true });
  expect(Object.keys(resumed.metadata.annotations ?? {}).filter((a) => a.startsWith('drover.dev/'))).toEqual([]);
  expect(story(await w.audit(submitted.id))).toEqual([
    'k8s.mutation patch Application',
    'suspended',
    'k8s.mutation patch Deployment/scale',
    'proposed',
    'merged',
    'k8s.mutation patch Application',
    'resumed',
    'synced',
    'verified',
  ]);
  // Self-heal is back: a new direct change is reverted again, to git's new value.
  await scaleDirectly(w, 5);
  await w.double.reconcileNow();
  expect(await w.replicas()).toBe(3);
});
