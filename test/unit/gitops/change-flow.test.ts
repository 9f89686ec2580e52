/**
 * The GitOps flow's stages with the world behind GitOpsParts scripted: what
 * each mode does, what it tells and audits, where it parks, and that a
 * re-executed step (a wake, a crash) never opens a second pull request or
 * suspends twice. The real parts are proven against real git, a forge fake
 * and a real API server in test/real-kube/gitops.
 */
import { DroverError } from '../../../src/errors.js';
import { RunParked } from '../../../src/jobs/run-parked.js';
import { changeGitOwned, type ChangeFlowDeps, type ChangeTarget } from '../../../src/gitops/change-flow.js';
import type { GitOpsParts, PreparedChange } from '../../../src/gitops/parts.js';
import type { GitOpsStageRecord } from '../../../src/gitops/stage-record.js';
import type { GitOpsMode, GitOpsOwner, PullRequest } from '../../../src/gitops/types.js';
import type { KubeObject, PlannedChange } from '../../../src/k8s/types.js';

const OWNER: GitOpsOwner = {
  tool: 'flux',
  kind: 'Kustomization',
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  namespace: 'flux-system',
  name: 'apps',
  repoUrl: 'https://github.com/acme/fleet',
  branch: 'main',
  path: 'apps/web',
  source: { type: 'manifests' },
  revertsWithinMs: 600_000,
  suspended: false,
  text: 'managed by Flux Kustomization flux-system/apps',
};

interface World {
  replicas: number;
  owner?: GitOpsOwner;
  pr?: PullRequest;
  opened: number;
  pushed: number;
  revision?: string;
  ready: boolean;
  suspended: number;
  resumed: number;
  comments: string[];
  directCalls: number;
}

function setup(mode: GitOpsMode, world: Partial<World> = {}) {
  const w: World = { replicas: 3, owner: OWNER, opened: 0, pushed: 0, ready: true, suspended: 0, resumed: 0, comments: [], directCalls: 0, ...world };
  let clock = 1_000_000;
  const progress = new Map<string, Record<string, unknown>>();
  const reports: string[] = [];
  const stages: GitOpsStageRecord[] = [];
  const changes: PlannedChange[] = [];
  const live = (): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: w.replicas } });
  const prepared = (commit?: { branch: string }): PreparedChange => {
    if (commit) w.pushed += 1;
    return { baseBranch: 'main', baseSha: 'b'.repeat(40), edits: [{ file: 'apps/web/deployment.yaml', before: 'replicas: 3\n', after: 'replicas: 5\n' }], lines: ['apps/web/deployment.yaml:9 spec.replicas 3 → 5'], diff: '--- a/apps/web/deployment.yaml\n+++ b/apps/web/deployment.yaml\n-  replicas: 3\n+  replicas: 5\n', ...(commit ? { commit: { sha: 'c'.repeat(40), reused: w.pushed > 1 } } : {}) };
  };
  const parts: GitOpsParts = {
    findOwner: () => Promise.resolve(w.owner),
    reconcilerStatus: () => Promise.resolve({ ...(w.revision ? { revision: w.revision } : {}), ready: w.ready }),
    suspend: () => {
      w.suspended += 1;
      return Promise.resolve({ change: { verb: 'patch', kind: 'Kustomization', name: 'apps', namespace: 'flux-system', dryRun: false, summary: 'suspend', diff: '' }, alreadySuspended: false });
    },
    resume: () => {
      w.resumed += 1;
      return Promise.resolve(undefined);
    },
    repository: () =>
      Promise.resolve({
        url: 'https://github.com/acme/fleet',
        baseBranch: 'main',
        forge: {
          kind: 'github',
          findByBranch: () => Promise.resolve(w.pr),
          open: (r) => {
            w.opened += 1;
            w.pr = { number: 12, url: 'https://github.com/acme/fleet/pull/12', state: 'open', headBranch: r.head, baseBranch: r.base, approvedBy: [], changesRequestedBy: [] };
            return Promise.resolve(w.pr);
          },
          get: () => Promise.resolve(w.pr as PullRequest),
          comment: (_n, text) => {
            w.comments.push(text);
            return Promise.resolve();
          },
        },
      }),
    prepare: (_repo, _request, commit) => Promise.resolve(prepared(commit)),
    contains: (_repo, descendant, ancestor) => Promise.resolve(descendant === 'd'.repeat(40) && ancestor === 'm'.repeat(40)),
  };
  const deps = (dryRun = false): ChangeFlowDeps => ({
    parts,
    k8s: { get: () => Promise.resolve(live()), list: () => Promise.resolve([]), patch: () => Promise.reject(new Error('unused')) } as unknown as ChangeFlowDeps['k8s'],
    run: { id: 'r1', runbook: 'scale-deployment', cluster: 'prod', dryRun, requester: { kind: 'slack', id: 'U1', name: 'alice' } },
    decide: () => ({ mode, from: 'runbook scale-deployment' }),
    timings: { pollIntervalMs: 1000, mergeTimeoutMs: 60_000, syncTimeoutMs: 30_000, suspendWindowMs: 20_000 },
    progress: { get: (k) => Promise.resolve(progress.get(k)), set: (k, v) => Promise.resolve(void progress.set(k, v)) },
    report: (t) => Promise.resolve(void reports.push(t)),
    audit: (r) => Promise.resolve(void stages.push(r)),
    addChange: (c) => Promise.resolve(void changes.push(c)),
    now: () => new Date(clock),
  });
  const target = (): ChangeTarget => ({
    object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
    fields: [{ path: ['spec', 'replicas'], value: 5 }],
    verb: 'scale',
    direct: () => {
      w.directCalls += 1;
      w.replicas = 5;
      return Promise.resolve({ verb: 'patch', kind: 'Deployment/scale', namespace: 'shop', name: 'web', dryRun: false, summary: 'scale', diff: '' });
    },
  });
  return {
    w,
    reports,
    stages,
    changes,
    advance: (ms: number) => (clock += ms),
    step: (dryRun = false) => changeGitOwned(deps(dryRun), target()),
  };
}

const parked = (p: Promise<unknown>) => expect(p).rejects.toBeInstanceOf(RunParked);
const stageNames = (s: GitOpsStageRecord[]) => s.map((r) => r.stage);

describe('GitOps flow', () => {
  it('an object git does not own: the mutation goes ahead as before, nothing else happens', async () => {
    const t = setup('propose', { owner: undefined });
    await t.step();
    expect(t.w.directCalls).toBe(1);
    expect(t.stages).toEqual([]);
    expect(t.w.opened).toBe(0);
  });

  it('refuse: nothing changes and the error names the owner', async () => {
    const t = setup('refuse');
    await expect(t.step()).rejects.toMatchObject({ code: 'gitops_refused', message: expect.stringContaining('managed by Flux Kustomization flux-system/apps') as string });
    expect(t.w.directCalls).toBe(0);
    expect(stageNames(t.stages)).toEqual(['refused']);
  });

  it('a mutation that cannot be written as fields is refused in propose mode', async () => {
    const t = setup('propose');
    const err = await changeGitOwned(
      { ...({} as ChangeFlowDeps), parts: { findOwner: () => Promise.resolve(OWNER) } as unknown as GitOpsParts, k8s: { get: () => Promise.resolve({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: {} }) } as unknown as ChangeFlowDeps['k8s'], decide: () => ({ mode: 'propose', from: 'x' }), progress: { get: () => Promise.resolve(undefined), set: () => Promise.resolve() }, run: { id: 'r', runbook: 'rb', cluster: 'c', dryRun: false, requester: { kind: 'cli', id: 'a' } }, audit: () => Promise.resolve() },
      { object: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' }, verb: 'roll back', direct: () => Promise.reject(new Error('must not run')) },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DroverError);
    expect((err as DroverError).code).toBe('gitops_refused');
    expect(t.w.directCalls).toBe(0);
  });

  it('propose, dry run: the plan is the commit diff, nothing pushed or opened', async () => {
    const t = setup('propose');
    const change = await t.step(true);
    expect(change.dryRun).toBe(true);
    expect(change.diff).toContain('+  replicas: 5');
    expect(t.w.pushed).toBe(0);
    expect(t.w.opened).toBe(0);
    expect(t.w.directCalls).toBe(0);
    expect(stageNames(t.stages)).toEqual(['planned']);
  });

  it('propose: pull request, parked until merged, then synced, then verified; never a second request', async () => {
    const t = setup('propose');
    await parked(t.step());
    expect(t.w.opened).toBe(1);
    await parked(t.step()); // still open: a wake looks again, opens nothing new
    await parked(t.step());
    expect(t.w.opened).toBe(1);
    expect(t.w.pushed).toBe(1);
    t.w.pr = { ...(t.w.pr as PullRequest), state: 'merged', mergeSha: 'm'.repeat(40), mergedBy: 'bob', approvedBy: ['carol'] };
    await parked(t.step()); // merged; reconciler not there yet
    t.w.revision = 'd'.repeat(40); // a later commit that contains the merge
    await parked(t.step()); // synced, but the cluster does not show it yet
    t.w.replicas = 5;
    const change = await t.step();
    expect(change.summary).toContain('through git');
    expect(t.w.directCalls).toBe(0);
    expect(stageNames(t.stages)).toEqual(['proposed', 'merged', 'synced', 'verified']);
    expect(t.stages[1]?.by).toEqual(['bob', 'carol']);
    // What the field held when the change began, not what the cluster holds once git applied it.
    expect(t.stages.map((s) => s.fields)).toEqual(t.stages.map(() => ['spec.replicas 3 → 5']));
    expect(change.summary).toContain('spec.replicas 3 → 5');
    expect(t.reports.map((r) => r.split(' ')[0])).toEqual(['Opened', 'Pull', 'Flux', 'Verified:']);
    // Replayed after success (a crash before the checkpoint): the same answer, no new change recorded.
    await t.step();
    expect(t.changes).toHaveLength(1);
  });

  it('propose: closed without merge is a rejection; an unmerged request times out and stays open', async () => {
    const a = setup('propose');
    await parked(a.step());
    a.w.pr = { ...(a.w.pr as PullRequest), state: 'closed', changesRequestedBy: ['dave'] };
    await expect(a.step()).rejects.toMatchObject({ code: 'gitops_rejected' });
    expect(a.w.replicas).toBe(3);

    const b = setup('propose');
    await parked(b.step());
    b.advance(61_000);
    await expect(b.step()).rejects.toMatchObject({ code: 'gitops_timed_out' });
    expect(b.w.comments[0]).toContain('stays open');
  });

  it('propose: a request that conflicts with its base is its own wait, said as such', async () => {
    const t = setup('propose');
    await parked(t.step());
    t.w.pr = { ...(t.w.pr as PullRequest), conflicts: true };
    const err = await t.step().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunParked);
    expect((err as RunParked).reason).toContain('it conflicts with main');
  });

  it('propose: a reconciler that never applies the merge times out after syncTimeout', async () => {
    const t = setup('propose');
    await parked(t.step());
    t.w.pr = { ...(t.w.pr as PullRequest), state: 'merged', mergeSha: 'm'.repeat(40) };
    await parked(t.step());
    t.advance(31_000);
    await expect(t.step()).rejects.toMatchObject({ code: 'gitops_timed_out', message: expect.stringContaining('did not apply') as string });
  });

  it('suspend: suspended once, changed directly, request opened; resumed on merge, then synced and verified', async () => {
    const t = setup('suspend');
    await parked(t.step());
    expect(t.w.suspended).toBe(1);
    expect(t.w.directCalls).toBe(1);
    expect(t.w.replicas).toBe(5);
    await parked(t.step());
    expect(t.w.suspended).toBe(1);
    expect(t.w.directCalls).toBe(1);
    expect(t.w.opened).toBe(1);
    t.w.pr = { ...(t.w.pr as PullRequest), state: 'merged', mergeSha: 'm'.repeat(40) };
    t.w.revision = 'm'.repeat(40);
    await t.step();
    expect(t.w.resumed).toBe(1);
    expect(stageNames(t.stages)).toEqual(['suspended', 'proposed', 'merged', 'resumed', 'synced', 'verified']);
  });

  it('suspend: the window ending before the merge resumes the reconciler and fails the run', async () => {
    const t = setup('suspend');
    await parked(t.step());
    t.advance(21_000);
    await expect(t.step()).rejects.toMatchObject({ code: 'gitops_timed_out', message: expect.stringContaining('window ended') as string });
    expect(t.w.resumed).toBe(1);
    expect(stageNames(t.stages)).toEqual(['suspended', 'proposed', 'timed-out', 'resumed']);
  });

  it('direct (the policy allowed it): changed directly, the report calls it drift', async () => {
    const t = setup('direct');
    await t.step();
    expect(t.w.directCalls).toBe(1);
    expect(t.reports[0]).toContain('drift');
    expect(stageNames(t.stages)).toEqual(['direct']);
  });
});
