/**
 * Issue #17, end to end, `propose` mode: an alert (or a request) asks
 * scale-deployment to change a deployment Flux or Argo CD owns; the run
 * commits the change on a branch of the real repository and opens a pull
 * request on the fake GitHub, parks while it is open (nothing changes in the
 * cluster), and after 'bob' merges it waits for the reconciler double to
 * apply the merge, checks the cluster, and succeeds: every stage reported and
 * audited, in order. Also: a dry run shows the commit's diff and pushes
 * nothing; a pull request closed unmerged fails the run and changes nothing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Runbook } from '../../../src/runbook/types.js';
import { deliver } from '../../support/alerts.js';
import { GIT_PATH, git } from '../../support/git-repo.js';
import { waitFor } from '../../support/wait-for.js';
import { MANIFEST, alice, gitopsSuite, numstat, parkedOnPullRequest, scale, scaleDeployment, stages } from './e2e-support.js';

const { world } = gitopsSuite();

/** Indexes of the first report matching each pattern: all found, increasing. */
function inOrder(reports: string[], patterns: RegExp[]): number[] {
  return patterns.map((p) => reports.findIndex((r) => p.test(r)));
}

async function scaleWithAlertTrigger(): Promise<Runbook> {
  const shipped = await scaleDeployment({ mode: 'propose' });
  return {
    ...shipped,
    triggers: {
      alerts: [
        {
          alertname: 'WebSaturated',
          params: (a: { labels: Record<string, string> }) => ({ namespace: a.labels.namespace, deployment: a.labels.deployment, replicas: Number(a.labels.replicas) }),
        },
      ],
    },
  };
}

test('Flux, from an alert: a pull request changing exactly the replicas line, parked until bob merges, then merged, applied and verified', async () => {
  const w = await world({ tool: 'flux', runbooks: [await scaleWithAlertTrigger()], alerts: true });
  const labels = { alertname: 'WebSaturated', namespace: w.ns, deployment: 'web', replicas: '3', severity: 'warning' };
  const delivered = await deliver(w.base as string, [{ labels }]);
  expect(delivered).toMatchObject({ status: 200, outcomes: { enqueued: 1 } });
  const run = await waitFor(async () => (await w.t.drover.store.recent(10)).find((r) => r.runbook === 'scale-deployment'), 'the alert to start a run');
  expect(run.requester.kind).toBe('alert');

  const proposed = await parkedOnPullRequest(w, run.id);
  expect(proposed).toMatchObject({ mode: 'propose', owner: { tool: 'flux', kind: 'Kustomization', namespace: w.ns, name: 'web' }, fields: ['spec.replicas 1 → 3'], repo: 'https://github.com/acme/fleet', pullRequest: { number: 1 } });
  const branch = proposed.branch as string;
  // The pull request's diff, as git computes it between the base and the branch: one line out, one in, one file.
  expect(numstat(w.repo, branch)).toBe(`1\t1\t${MANIFEST}`);
  expect(w.repo.show(w.repo.head(branch), MANIFEST)).toContain('  replicas: 3 # scaled through git');
  const opened = w.forge.requests.find((r) => r.method === 'POST' && /\/pulls$/.test(r.path));
  expect(opened).toMatchObject({ status: 201, body: { head: branch, base: 'main' } });
  // For the reviewer: who asked (the alert), the change, and how to follow the run.
  const body = (opened?.body as { body: string }).body;
  expect(body).toContain(`requested by Alertmanager alert \`WebSaturated (${run.requester.id})\``);
  expect(body).toContain(`**Change:** \`spec.replicas 1 → 3\` on \`Deployment ${w.ns}/web\``);
  expect(body).toContain(`\`drover status ${run.id}\``);
  // Parked, not merged: the cluster is as git says, whatever the double does meanwhile.
  await w.double.reconcileNow();
  expect(await w.replicas()).toBe(1);
  expect((await w.audit(run.id)).some((e) => e.type === 'run.parked')).toBe(true);
  expect((await w.t.drover.store.get(run.id))?.state).toBe('running');

  const mergeSha = w.forge.merge(1, { by: 'bob' });
  const done = await w.finished(run.id);
  expect(done).toMatchObject({ state: 'succeeded', attempts: 1 });
  const reports = await w.reports(run.id);
  const order = inOrder(reports, [/^Opened pull request #1 on https:\/\/github\.com\/acme\/fleet/, /^Pull request #1 merged by bob as /, /^Flux Kustomization .* applied /, /^Verified: Deployment .*\/web has spec\.replicas=3/]);
  expect(order.every((i) => i >= 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);

  const events = await w.audit(run.id);
  const seen = stages(events);
  expect(seen.map((s) => s.stage)).toEqual(['proposed', 'merged', 'synced', 'verified']);
  expect(seen.find((s) => s.stage === 'merged')).toMatchObject({ pullRequest: { number: 1 }, commit: mergeSha, by: ['bob'] });
  expect(seen.find((s) => s.stage === 'synced')?.revision).toContain(mergeSha);
  // Drover itself changed nothing in the cluster: the reconciler did.
  expect(events.filter((e) => e.type === 'k8s.mutation')).toEqual([]);
  expect(await w.replicas()).toBe(3);
  // The double keeps applying git, which now says 3.
  await w.double.reconcileNow();
  await w.double.reconcileNow();
  expect(await w.replicas()).toBe(3);
  const changes = await w.t.drover.store.changes(run.id);
  // The token went to git and the forge only.
  expect(JSON.stringify([events, reports, changes, done])).not.toContain(w.token);
  // What changed is what the run found before it began (1), not what the cluster holds once git applied it (3):
  // a wake must not read `from` again from the live object (it did, and recorded "spec.replicas 3 → 3").
  expect(seen.map((s) => s.fields)).toEqual(seen.map(() => ['spec.replicas 1 → 3']));
  expect(changes.map((c) => c.summary).join('\n')).toMatch(/through git: spec\.replicas 1 → 3 \(pull request #1, merged as/);
});

test('Argo CD (tracking id, automated self-heal): the same loop, and the live value stays', async () => {
  const w = await world({ tool: 'argocd', runbooks: [await scaleDeployment({ mode: 'propose' })] });
  const live = await w.t.drover.store.get((await scale(w, 2)).id);
  const proposed = await parkedOnPullRequest(w, live!.id);
  expect(proposed).toMatchObject({ owner: { tool: 'argocd', kind: 'Application', namespace: w.ns, name: 'web' }, fields: ['spec.replicas 1 → 2'] });
  expect(numstat(w.repo, proposed.branch as string)).toBe(`1\t1\t${MANIFEST}`);
  expect(await w.replicas()).toBe(1);

  const mergeSha = w.forge.merge(proposed.pullRequest!.number, { by: 'bob' });
  expect((await w.finished(live!.id)).state).toBe('succeeded');
  expect(stages(await w.audit(live!.id)).map((s) => [s.stage, s.commit ?? null])).toEqual([
    ['proposed', proposed.commit],
    ['merged', mergeSha],
    ['synced', mergeSha],
    ['verified', null],
  ]);
  await w.double.reconcileNow();
  expect(await w.replicas()).toBe(2);
});

test('GitLab (a merge request) behind Argo CD: the same loop, merged by bob, applied and verified', async () => {
  const w = await world({ tool: 'argocd', forge: 'gitlab', runbooks: [await scaleDeployment({ mode: 'propose' })] });
  const submitted = await scale(w, 4);
  const proposed = await parkedOnPullRequest(w, submitted.id);
  expect(proposed).toMatchObject({ repo: 'https://gitlab.com/acme/fleet', pullRequest: { number: 1 }, fields: ['spec.replicas 1 → 4'] });
  expect(numstat(w.repo, proposed.branch as string)).toBe(`1\t1\t${MANIFEST}`);
  expect(w.forge.requests.find((r) => r.method === 'POST' && r.path.endsWith('/merge_requests'))).toMatchObject({ status: 201, body: { source_branch: proposed.branch, target_branch: 'main' } });
  expect(await w.replicas()).toBe(1);

  const mergeSha = w.forge.merge(1, { by: 'bob' });
  expect((await w.finished(submitted.id)).state).toBe('succeeded');
  expect(stages(await w.audit(submitted.id)).map((s) => [s.stage, s.commit ?? null, s.by ?? null])).toEqual([
    ['proposed', proposed.commit, null],
    ['merged', mergeSha, ['bob']],
    ['synced', mergeSha, null],
    ['verified', null, null],
  ]);
  expect(await w.replicas()).toBe(4);
});

test('a dry run shows the commit diff git would take, and pushes nothing, opens nothing, changes nothing', async () => {
  const w = await world({ tool: 'flux', runbooks: [await scaleDeployment({ mode: 'propose' })] });
  const submitted = await w.t.drover.queue.submit({ runbook: 'scale-deployment', params: { namespace: w.ns, deployment: 'web', replicas: 3 }, requester: alice, dryRun: true });
  const done = await w.finished(submitted.id);
  expect(done.state).toBe('succeeded');
  const changes = await w.t.drover.store.changes(submitted.id);
  const planned = changes.find((c) => c.diff);
  expect(planned).toMatchObject({ dryRun: true, kind: 'Deployment', name: 'web' });
  expect(planned?.summary).toMatch(/^propose to https:\/\/github\.com\/acme\/fleet \(main\): /);
  const diff = planned?.diff as string;
  expect(diff).toContain('-  replicas: 1 # scaled through git');
  expect(diff).toContain('+  replicas: 3 # scaled through git');
  // It is the commit's diff: git itself applies it to the base and counts one line changed.
  const clone = mkdtempSync(join(tmpdir(), 'drover-e2e-apply-'));
  try {
    git(clone, 'clone', '-q', w.repo.bare, '.');
    execFileSync('git', ['apply', '--whitespace=nowarn', '-'], { cwd: clone, input: diff.endsWith('\n') ? diff : `${diff}\n`, env: { PATH: GIT_PATH, HOME: clone, GIT_CONFIG_NOSYSTEM: '1' } });
    expect(git(clone, 'diff', '--numstat')).toBe(`1\t1\t${MANIFEST}`);
  } finally {
    rmSync(clone, { recursive: true, force: true });
  }
  expect(w.branches()).toEqual(['main']);
  expect(w.forge.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  expect(stages(await w.audit(submitted.id)).map((s) => s.stage)).toEqual(['planned']);
  expect(await w.replicas()).toBe(1);
});

test('a pull request closed without merging: the run fails gitops_rejected and nothing changes', async () => {
  const w = await world({ tool: 'flux', runbooks: [await scaleDeployment({ mode: 'propose' })] });
  const submitted = await scale(w, 3);
  const proposed = await parkedOnPullRequest(w, submitted.id);
  await w.forge.close(proposed.pullRequest!.number);
  const done = await w.finished(submitted.id);
  expect(done).toMatchObject({ state: 'failed', error: { code: 'gitops_rejected' } });
  expect(done.error?.message).toMatch(/^Pull request #1 was closed without merging: the change is rejected\. Nothing was changed in the cluster\./);
  expect(stages(await w.audit(submitted.id)).map((s) => s.stage)).toEqual(['proposed', 'rejected']);
  expect(w.repo.show(w.repo.head(), MANIFEST)).toContain('replicas: 1 # scaled through git');
  await w.double.reconcileNow();
  expect(await w.replicas()).toBe(1);
});
