/**
 * Issue #17, reliability: a real `drover worker` process (src/main.ts) runs a
 * GitOps change against the real API server, real git over HTTP, the fake
 * GitHub (behind a holding proxy that can stop an exchange half way) and the
 * reconciler double, and is killed with SIGKILL at each stage of the flow,
 * then started again on the same Redis prefix:
 * - propose: after the push, before the pull request is opened; after the
 *   forge opened it, before the worker heard (so before its progress is
 *   saved); while parked; after the merge, before the sync;
 * - suspend: after the suspension and the direct change, before the pull
 *   request; cancelled while parked (the sweeper must resume the reconciler).
 * Each test prints its counts (runs sent, finished, lost, pull requests and
 * branches per run) on one line starting `reliability:` so they can be quoted.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHoldingProxy, type HoldingProxy } from '../../chaos/fakes/holding-proxy.js';
import { spawnDrover, stopProcess } from '../../support/cli-process.js';
import { freePort } from '../../support/free-port.js';
import { startReconcilerDouble } from '../../support/reconciler-double.js';
import { ALLOW_ALL_POLICY } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';
import { PROJECT, PUBLIC_URL, alice, droverBranches, gitopsSuite, kustomization, printCounts, pullsOpened, scale, scaleDeployment, stages, sweepOnce, type Stage, type World } from './e2e-support.js';

const PULLS = `^/repos/${PROJECT}/pulls$`;

let proxy: HoldingProxy | undefined;
let dir: string | undefined;
const workers: ChildProcess[] = [];
const extraStops: Array<() => Promise<void>> = [];

const { kube, world } = gitopsSuite({
  // The worker processes and what else uses the world stop before it closes.
  beforeClose: async () => {
    for (const w of workers.splice(0)) await stopProcess(w, 'SIGKILL', 5_000);
    for (const stop of extraStops.splice(0)) await stop().catch(() => undefined);
    await proxy?.stop();
    proxy = undefined;
  },
  afterClose: () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  },
  closeTimeoutMs: 60_000,
});

/**
 * The world of the e2e suites with its in-process worker stopped: runs are
 * submitted through its queue and executed by real worker processes, whose
 * forge calls go through a holding proxy.
 */
async function processWorld(mode: 'propose' | 'suspend') {
  const w = await world({ tool: 'flux', runbooks: [await scaleDeployment({ mode: 'propose' })] });
  await w.t.drover.stopWorkers();
  const p = (proxy = await startHoldingProxy(w.forge.apiUrl));
  dir = mkdtempSync(join(tmpdir(), 'drover-reliability-'));
  const config = {
    jobs: { backoff: 50, maxBackoff: 200 },
    // A killed worker's job is taken again once its lock lapses (BullMQ's stalled check): seconds, not the default half minute.
    worker: { lockDuration: 5_000 },
    gitops: {
      repositories: [{ url: PUBLIC_URL, cloneUrl: `${w.http.url}/repo.git`, forge: { type: 'github', apiUrl: p.url, project: PROJECT }, tokenFile: w.tokenFile }],
      pollInterval: 200,
      mergeTimeout: 120_000,
      syncTimeout: 30_000,
      suspendWindow: 120_000,
      workDir: join(dir, 'work'),
      protocols: ['http'],
    },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  writeFileSync(join(dir, 'kubeconfig'), kube().kubeConfigYaml(undefined, 'test'));
  const policy = [
    'groups:',
    "  everyone: ['*', alertmanager]",
    'rules:',
    '  - groups: [everyone]',
    "    runbooks: ['*']",
    "    clusters: ['*']",
    ...(mode === 'suspend' ? ['gitops:', '  - { runbooks: [scale-deployment], mode: suspend }'] : []),
  ].join('\n');
  writeFileSync(join(dir, 'policy.yaml'), `${policy}\n`);
  const env = {
    DROVER_CONFIG: join(dir, 'config.json'),
    DROVER_REDIS_PREFIX: w.t.prefix,
    KUBECONFIG: join(dir, 'kubeconfig'),
    DROVER_SANDBOX: 'off',
    DROVER_POLICY: mode === 'suspend' ? join(dir, 'policy.yaml') : ALLOW_ALL_POLICY,
    DROVER_AUDIT_VERIFY_INTERVAL: '0',
    LOG_LEVEL: 'warn',
  };
  const start = async (): Promise<ChildProcess> => {
    const child = spawnDrover(['worker'], { ...env, PORT: String(await freePort()) });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    workers.push(child);
    await waitFor(async () => (await w.t.drover.presence.workers()).some((p) => p.pid === child.pid) || child.exitCode !== null, 'the worker process to announce itself', 40_000);
    if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}): ${err}`);
    return child;
  };
  const kill = async (child: ChildProcess) => {
    await stopProcess(child, 'SIGKILL', 5_000);
  };
  return { w, p, start, kill };
}

async function waitStage(w: World, runId: string, stage: Stage['stage'], timeoutMs = 40_000): Promise<Stage> {
  return waitFor(async () => stages(await w.audit(runId)).find((s) => s.stage === stage), `stage ${stage} of ${runId}`, timeoutMs);
}

async function parked(w: World, runId: string): Promise<void> {
  await waitFor(async () => {
    const run = await w.t.drover.store.get(runId);
    return run?.state === 'running' && run.parkedUntil !== undefined;
  }, `run ${runId} to park`, 60_000);
}

function merge(w: World): void {
  const [only] = droverBranches(w);
  const pr = w.forge.requests.find((r) => r.method === 'POST' && /\/pulls$/.test(r.path) && r.status === 201);
  expect(only).toBeDefined();
  expect(pr).toBeDefined();
  w.forge.merge(1, { by: 'bob' });
}

test('propose, SIGKILL after the push and before the pull request is opened: one branch, one pull request, the run succeeds', async () => {
  const { w, p, start, kill } = await processWorld('propose');
  p.hold({ method: 'POST', pathPattern: PULLS, phase: 'request' });
  const first = await start();
  const run = await scale(w, 3);
  await waitFor(() => p.held().length === 1, 'the worker to ask the forge to open the pull request', 40_000);
  expect(droverBranches(w)).toHaveLength(1);
  await kill(first);
  p.release();
  await start();
  await parked(w, run.id);
  merge(w);
  const done = await w.finished(run.id, 60_000);
  printCounts('propose kill after push', w, [done]);
  expect(done.state).toBe('succeeded');
  expect(pullsOpened(w)).toBe(1);
  expect(droverBranches(w)).toHaveLength(1);
  expect(await w.replicas()).toBe(3);
}, 180_000);

test('propose, SIGKILL after the forge opened the pull request and before the worker heard: the retry finds it, no second one', async () => {
  const { w, p, start, kill } = await processWorld('propose');
  p.hold({ method: 'POST', pathPattern: PULLS, phase: 'response' });
  const first = await start();
  const run = await scale(w, 3);
  await waitFor(() => p.held().length === 1, 'the forge to open the pull request', 40_000);
  expect(pullsOpened(w)).toBe(1);
  // Its progress was never saved: no proposed stage.
  expect(stages(await w.audit(run.id)).map((s) => s.stage)).toEqual([]);
  await kill(first);
  p.release();
  await start();
  await waitStage(w, run.id, 'proposed');
  await parked(w, run.id);
  merge(w);
  const done = await w.finished(run.id, 60_000);
  printCounts('propose kill after PR opened, before saved', w, [done]);
  expect(done.state).toBe('succeeded');
  expect(pullsOpened(w)).toBe(1);
  expect(droverBranches(w)).toHaveLength(1);
  expect(stages(await w.audit(run.id)).map((s) => s.stage)).toEqual(['proposed', 'merged', 'synced', 'verified']);
}, 180_000);

test('propose, SIGKILL while parked on the review and again after the merge before the sync: one pull request, the run succeeds', async () => {
  const { w, start, kill } = await processWorld('propose');
  const first = await start();
  const run = await scale(w, 3);
  await waitStage(w, run.id, 'proposed');
  await parked(w, run.id);
  await kill(first);
  const second = await start();
  // The reconciler stops for a while, so the run is caught between the merge and the sync.
  await w.double.stop();
  merge(w);
  await waitStage(w, run.id, 'merged');
  await kill(second);
  await start();
  const double = startReconcilerDouble({ kubeConfig: kube().kubeConfig(), repo: { bare: w.repo.bare, branch: 'main' }, owners: [w.owner], intervalMs: 200, argocdTracking: 'annotation' });
  extraStops.push(() => double.stop());
  const done = await w.finished(run.id, 60_000);
  printCounts('propose kill while parked + after merge', w, [done]);
  expect(done.state).toBe('succeeded');
  expect(pullsOpened(w)).toBe(1);
  expect(droverBranches(w)).toHaveLength(1);
  expect(stages(await w.audit(run.id)).map((s) => s.stage)).toEqual(['proposed', 'merged', 'synced', 'verified']);
  expect(await w.replicas()).toBe(3);
}, 180_000);

test('suspend, SIGKILL after the suspension and the direct change, before the pull request: suspended once, one pull request, resumed after the merge', async () => {
  const { w, p, start, kill } = await processWorld('suspend');
  p.hold({ method: 'POST', pathPattern: PULLS, phase: 'request' });
  const first = await start();
  const run = await scale(w, 3);
  await waitFor(() => p.held().length === 1, 'the worker to ask the forge to open the pull request', 40_000);
  expect((await kustomization(kube(), w)).spec.suspend).toBe(true);
  expect(await w.replicas()).toBe(3);
  await kill(first);
  p.release();
  await start();
  await waitStage(w, run.id, 'proposed');
  merge(w);
  const done = await w.finished(run.id, 60_000);
  const story = stages(await w.audit(run.id)).map((s) => s.stage);
  printCounts('suspend kill after change, before PR', w, [done], `suspended ${story.filter((s) => s === 'suspended').length}×, resumed ${story.filter((s) => s === 'resumed').length}×`);
  expect(done.state).toBe('succeeded');
  expect(pullsOpened(w)).toBe(1);
  expect(story).toEqual(['suspended', 'proposed', 'merged', 'resumed', 'synced', 'verified']);
  expect((await kustomization(kube(), w)).spec.suspend).toBe(false);
}, 180_000);

test('suspend, the run cancelled while parked: it ends cancelled; the suspension sweeper resumes the reconciler its run left suspended', async () => {
  const { w, start } = await processWorld('suspend');
  await start();
  const run = await scale(w, 3);
  await waitStage(w, run.id, 'proposed');
  await parked(w, run.id);
  await w.t.drover.queue.cancel(run.id, alice);
  const done = await w.finished(run.id, 30_000);
  expect(done.state).toBe('cancelled');
  const left = await kustomization(kube(), w);
  const resumedByRun = left.spec.suspend !== true;
  // The sweeper a process runs every minute, driven once here.
  const ended = await sweepOnce(kube(), w);
  const after = await kustomization(kube(), w);
  const comments = w.forge.comments(1);
  printCounts('suspend cancelled while parked', w, [done], `resumed by the run ${resumedByRun}, by the sweeper ${ended}, PR comments ${comments.length}`);
  expect(after.spec.suspend).toBe(false);
  expect(Object.keys(after.metadata.annotations ?? {}).filter((a) => a.startsWith('drover.dev/suspended'))).toEqual([]);
  expect(pullsOpened(w)).toBe(1);
  // FINDING (not a failure here): the cancelled run leaves its pull request open with no word on it.
  if (comments.length === 0) process.stdout.write('reliability: finding: the cancelled run left pull request #1 open without a comment\n');
}, 180_000);
