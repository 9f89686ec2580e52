/**
 * The whole GitOps loop for the end-to-end suites, every part real where it
 * can be: the real kube-apiserver with the Flux/Argo CD CRDs, a real bare git
 * repository served over HTTP behind a token (git-http-backend), the fake
 * GitHub forge over that same repository (its merge is a real git merge), the
 * reconciler double applying the repository's head to the API server, and a
 * whole Drover (queue, worker, audit) configured as an operator would: a
 * `gitops` section naming the repository by its public URL, cloning it from
 * the HTTP server with the token from a file.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AppsV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import pino from 'pino';
import type { AuditEvent } from '../../../src/audit/events.js';
import type { PolicySource } from '../../../src/app.js';
import { SuspensionSweeper } from '../../../src/gitops/suspension-sweeper.js';
import { isTerminal, type RunRecord } from '../../../src/jobs/run-record.js';
import { createK8sOps } from '../../../src/k8s/ops.js';
import { parsePolicy } from '../../../src/policy/index.js';
import type { Requester, Runbook } from '../../../src/runbook/types.js';
import { WEBHOOK_TOKEN } from '../../support/alerts.js';
import { startFakeForge, type FakeForge } from '../../support/fake-forge.js';
import { closeServer, listen, serveGitOverHttp, type GitHttpServer } from '../../support/git-http.js';
import { git } from '../../support/git-repo.js';
import { createGitOpsRepo, type GitOpsRepo } from '../../support/gitops-repo.js';
import { startReconcilerDouble, type DoubleOwner, type ReconcilerDouble } from '../../support/reconciler-double.js';
import { deletePrefix } from '../../support/redis.js';
import { buildDroverOn, shippedRunbooks, type ClusterDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';
import type { RealKube } from '../cluster.js';
import { freshNamespace, useRealKube } from '../support.js';
import { installGitOpsCrds } from './crds.js';

/** The URL the reconcilers name (Flux GitRepository spec.url, Argo CD repoURL) and the config's `url` matches. */
export const PUBLIC_URL = 'https://github.com/acme/fleet';
const publicUrl = (forge: 'github' | 'gitlab') => (forge === 'github' ? PUBLIC_URL : 'https://gitlab.com/acme/fleet');
export const PROJECT = 'acme/fleet';
export const MANIFEST = 'apps/web/deployment.yaml';
/** The custom resources of the owners: Flux Kustomizations, Argo CD Applications. */
export const FLUX = { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', plural: 'kustomizations' };
export const ARGO = { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications' };

/** The manifest of Deployment `web` as git holds it (without a namespace, as a kustomization would set it). */
export function deploymentYaml(replicas: number, namespace?: string): string {
  return [
    '# The web front end; replicas are set here, not by hand.',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: web',
    ...(namespace ? [`  namespace: ${namespace}`] : []),
    '  labels:',
    '    app: web',
    'spec:',
    `  replicas: ${replicas} # scaled through git`,
    '  selector:',
    '    matchLabels: { app: web }',
    '  template:',
    '    metadata:',
    '      labels: { app: web }',
    '    spec:',
    '      containers:',
    '        - name: web',
    '          image: nginx:1.25',
    '',
  ].join('\n');
}

/** A policy that allows every run (as the allow-all fixture) plus the given `gitops` entries (YAML lines). */
export function policyWith(gitopsEntries: string[] = []): PolicySource {
  const text = ['groups:', "  everyone: ['*', alertmanager]", 'rules:', '  - groups: [everyone]', "    runbooks: ['*']", "    clusters: ['*']", ...(gitopsEntries.length ? ['gitops:', ...gitopsEntries.map((e) => `  - ${e}`)] : [])].join('\n');
  return { document: parsePolicy(text, 'e2e policy') };
}

/** The shipped scale-deployment (which declares `propose`), with another GitOps mode, or `none` for a runbook that declares none. */
export async function scaleDeployment(gitops?: Runbook['gitops'] | 'none'): Promise<Runbook> {
  const shipped = (await shippedRunbooks()).find((r) => r.id === 'scale-deployment');
  if (!shipped) throw new Error('the shipped scale-deployment runbook is missing');
  if (gitops === 'none') {
    const { gitops: _declared, ...without } = shipped;
    return without;
  }
  return gitops ? { ...shipped, gitops } : shipped;
}

/** Creates Flux's GitRepository `fleet` (main of `url`) and Kustomization `web` (of `path`) in `ns`: the owner they make. */
export async function createFluxOwner(custom: CustomObjectsApi, ns: string, url: string, path = './apps/web'): Promise<DoubleOwner> {
  await custom.createNamespacedCustomObject({
    group: 'source.toolkit.fluxcd.io',
    version: 'v1',
    namespace: ns,
    plural: 'gitrepositories',
    body: { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'fleet' }, spec: { url, interval: '1m', ref: { branch: 'main' } } },
  });
  await custom.createNamespacedCustomObject({
    ...FLUX,
    namespace: ns,
    body: { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'web' }, spec: { interval: '10m', path, prune: true, sourceRef: { kind: 'GitRepository', name: 'fleet' } } },
  });
  return { tool: 'flux', kustomization: { namespace: ns, name: 'web' } };
}

/** Creates Argo CD's Application `web` (apps/web of main of `repoURL`, into `ns`) with the given automated sync, or none: the owner it makes. */
export async function createArgoOwner(custom: CustomObjectsApi, ns: string, repoURL: string, automated: Record<string, unknown> | undefined): Promise<DoubleOwner> {
  await custom.createNamespacedCustomObject({
    ...ARGO,
    namespace: ns,
    body: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'web' },
      spec: {
        project: 'default',
        source: { repoURL, path: 'apps/web', targetRevision: 'main' },
        destination: { server: 'https://kubernetes.default.svc', namespace: ns },
        ...(automated ? { syncPolicy: { automated } } : {}),
      },
    },
  });
  return { tool: 'argocd', application: { namespace: ns, name: 'web' } };
}

export interface WorldOptions {
  tool: 'flux' | 'argocd';
  /** Default github (repository https://github.com/acme/fleet); gitlab: https://gitlab.com/acme/fleet. */
  forge?: 'github' | 'gitlab';
  runbooks: Runbook[];
  policy?: PolicySource;
  /** Replicas in git at first (default 1). */
  replicas?: number;
  /** Serve drover.router on a loopback port with the alert webhook on (for alert-driven runs). */
  alerts?: boolean;
  /** Default 20s. */
  syncTimeoutMs?: number;
  /** Default 60s. */
  mergeTimeoutMs?: number;
}

export interface World {
  ns: string;
  repo: GitOpsRepo;
  http: GitHttpServer;
  forge: FakeForge;
  /** The reconciler double now running (or stopped). */
  readonly double: ReconcilerDouble;
  /** After `double.stop()`: the reconciler comes back (a new double on the same owner). */
  startDouble(): void;
  owner: DoubleOwner;
  /** The git and forge token (to prove it appears nowhere). */
  token: string;
  /** The file the config reads it from. */
  tokenFile: string;
  t: ClusterDrover;
  /** The webhook base URL (with `alerts`). */
  base?: string;
  replicas(): Promise<number | undefined>;
  /** Waits for the run to end (bounded). */
  finished(id: string, timeoutMs?: number): Promise<RunRecord>;
  /** The run's audit events, oldest first. */
  audit(id: string): Promise<AuditEvent[]>;
  /** The texts of the run's reports, oldest first. */
  reports(id: string): Promise<string[]>;
  /** Branches of the bare repository. */
  branches(): string[];
  /** A new Drover process on the same Redis prefix and queue (the old one closed): a restart. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Everything of one test: namespace, repository, git server, forge, owner, double and Drover with its worker. */
export async function gitopsWorld(kube: RealKube, options: WorldOptions): Promise<World> {
  const cleanups: Array<() => unknown> = [];
  const close = async () => {
    for (const clean of cleanups.splice(0).reverse()) await Promise.resolve(clean()).catch(() => undefined);
  };
  try {
    const kc = kube.kubeConfig();
    const custom = kc.makeApiClient(CustomObjectsApi);
    const ns = await freshNamespace(kube, options.tool);
    const dir = await mkdtemp(join(tmpdir(), 'drover-gitops-e2e-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const repo = createGitOpsRepo({ dir, files: { [MANIFEST]: deploymentYaml(options.replicas ?? 1, ns), 'README.md': '# fleet\n' } });
    cleanups.push(() => repo.close());

    const token = `ghp_${randomBytes(18).toString('hex')}`;
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    const http = await serveGitOverHttp({ projectRoot: dirname(repo.bare), token });
    cleanups.push(() => http.close());
    const forgeKind = options.forge ?? 'github';
    const url = publicUrl(forgeKind);
    const forge = await startFakeForge({ kind: forgeKind, bareRepo: repo.bare, project: PROJECT, token });
    cleanups.push(() => forge.close());

    const owner = options.tool === 'flux' ? await createFluxOwner(custom, ns, `${url}.git`) : await createArgoOwner(custom, ns, url, { prune: true, selfHeal: true });
    const startDouble = () => startReconcilerDouble({ kubeConfig: kc, repo: { bare: repo.bare, branch: 'main' }, owners: [owner], intervalMs: 200, argocdTracking: 'annotation' });
    let double = startDouble();
    cleanups.push(() => double.stop());
    await double.reconcileNow();
    const apps = kc.makeApiClient(AppsV1Api);
    const replicas = async () => (await apps.readNamespacedDeployment({ namespace: ns, name: 'web' })).spec?.replicas;
    await waitFor(async () => (await replicas()) === (options.replicas ?? 1), 'the double to apply the first commit', 10_000);

    const workDir = join(dir, 'work');
    const build = async (prefix?: string) => {
      const built = await buildDroverOn(
        { server: kube.url, kubeConfig: kc },
        {
          runbooks: options.runbooks,
          ...(options.policy ? { policy: options.policy } : { policy: policyWith() }),
          configure: (c) => {
            // A restart keeps the first process's prefix (and so its queue, runs and audit).
            if (prefix) c.redis.prefix = prefix;
            c.gitops = {
              ...c.gitops,
              repositories: [{ url, cloneUrl: `${http.url}/repo.git`, forge: { type: forgeKind, apiUrl: forge.apiUrl, project: PROJECT }, tokenFile }],
              pollInterval: 200,
              mergeTimeout: options.mergeTimeoutMs ?? 60_000,
              syncTimeout: options.syncTimeoutMs ?? 20_000,
              workDir,
              protocols: ['http'],
            };
            if (options.alerts) c.alerts.webhookToken = WEBHOOK_TOKEN;
          },
        },
      );
      await built.drover.startWorker({ concurrency: 2 });
      return built;
    };
    let t = await build();
    const prefix = t.config.redis.prefix;
    // Not the wrapper's close, which would delete only its own fresh prefix: this world owns `prefix`.
    const stopDrover = async () => {
      await t.drover.close();
      await t.redis.quit().catch(() => t.redis.disconnect());
    };
    cleanups.push(async () => {
      await t.drover.close();
      await deletePrefix(t.redis, prefix).catch(() => undefined);
      await t.redis.quit().catch(() => t.redis.disconnect());
    });

    let base: string | undefined;
    if (options.alerts) {
      const server = createServer((req, res) => t.drover.router.listener(req, res));
      base = await listen(server);
      cleanups.push(() => closeServer(server));
    }

    const world: World = {
      ns,
      repo,
      http,
      forge,
      get double() {
        return double;
      },
      startDouble() {
        double = startDouble();
      },
      owner,
      token,
      tokenFile,
      get t() {
        return t;
      },
      ...(base ? { base } : {}),
      replicas,
      finished: (id, timeoutMs = 45_000) =>
        waitFor(
          async () => {
            const run = await t.drover.store.get(id);
            return run && isTerminal(run.state) ? run : undefined;
          },
          `run ${id} to end`,
          timeoutMs,
        ),
      audit: async (id) => (await t.drover.audit.read({ count: 100_000 })).filter((e) => (e as { runId?: string }).runId === id),
      reports: async (id) =>
        (await t.drover.store.events(id)).flatMap((e) => (e.type === 'report' ? [e.text] : [])),
      branches: () => git(repo.bare, 'for-each-ref', '--format=%(refname:short)', 'refs/heads').split('\n').filter(Boolean),
      async restart() {
        await stopDrover();
        t = await build(prefix);
      },
      close,
    };
    return world;
  } catch (err) {
    await close();
    throw err;
  }
}

export interface SuiteHooks {
  /** Run after each test before its world closes (e.g. stop the processes that use it). */
  beforeClose?: () => Promise<void>;
  /** Run after each test once its world closed. */
  afterClose?: () => void;
  /** The after-each bound (default 30s). */
  closeTimeoutMs?: number;
}

/**
 * The set-up every GitOps end-to-end suite shares: the real API server (no
 * controller manager) with the Flux/Argo CD CRDs installed once, and the
 * world of each test closed after it. `world` builds the test's world and
 * keeps it for that close.
 */
export function gitopsSuite(hooks: SuiteHooks = {}): { kube: () => RealKube; world: (options: WorldOptions) => Promise<World> } {
  const kube = useRealKube({ controllerManager: false });
  let current: World | undefined;
  beforeAll(async () => {
    await installGitOpsCrds(kube().kubeConfig());
  }, 60_000);
  afterEach(async () => {
    await hooks.beforeClose?.();
    await current?.close();
    current = undefined;
    hooks.afterClose?.();
  }, hooks.closeTimeoutMs ?? 30_000);
  return { kube, world: async (options) => (current = await gitopsWorld(kube(), options)) };
}

/** Who asks for the suites' runs. */
export const alice: Requester = { kind: 'slack', id: 'U0ALICE', name: 'alice' };

/** Submits scale-deployment (or another runbook with its params) for the world's deployment `web` (or another). */
export const scale = (w: World, replicas: number, options: { deployment?: string; runbook?: string } = {}) =>
  w.t.drover.queue.submit({ runbook: options.runbook ?? 'scale-deployment', params: { namespace: w.ns, deployment: options.deployment ?? 'web', replicas }, requester: alice });

export type Stage = Extract<AuditEvent, { type: 'gitops.stage' }>;
/** The GitOps stages among audit events. */
export const stages = (events: AuditEvent[]) => events.filter((e): e is Stage => e.type === 'gitops.stage');

/** Pull requests the forge opened (201 to a POST …/pulls). */
export const pullsOpened = (w: World) => w.forge.requests.filter((r) => r.method === 'POST' && /\/pulls$/.test(r.path) && r.status === 201).length;
/** The branches Drover pushed (all but main). */
export const droverBranches = (w: World) => w.branches().filter((b) => b !== 'main');

/** A run that parked on its pull request: running, parked, and the request opened (its `proposed` stage). */
export async function parkedOnPullRequest(w: World, runId: string): Promise<Stage> {
  return waitFor(
    async () => {
      const run = await w.t.drover.store.get(runId);
      const proposed = stages(await w.audit(runId)).find((s) => s.stage === 'proposed');
      return run?.state === 'running' && run.parkedUntil !== undefined && proposed ? proposed : undefined;
    },
    `run ${runId} to open its pull request and park`,
    30_000,
  );
}

export interface Kustomization {
  metadata: { annotations?: Record<string, string> };
  spec: { suspend?: boolean };
}
/** The world's Flux Kustomization `web` as the API server has it. */
export const kustomization = async (kube: RealKube, w: World) =>
  (await kube
    .kubeConfig()
    .makeApiClient(CustomObjectsApi)
    .getNamespacedCustomObject({ ...FLUX, namespace: w.ns, name: 'web' })) as Kustomization;

/** One pass of the suspension sweeper a process runs every minute, over the world's runs and audit: the suspensions it ended. */
export function sweepOnce(kube: RealKube, w: World): Promise<number> {
  const sweeper = new SuspensionSweeper({
    clusters: () => ['test'],
    k8sFor: () => createK8sOps({ cluster: 'test', kubeConfig: kube.kubeConfig(), dryRun: false }),
    runs: w.t.drover.store,
    audit: (body) => w.t.drover.audit.append(body),
    logger: pino({ level: 'silent' }),
    graceMs: 60_000,
    intervalMs: 60_000,
  });
  return sweeper.sweep();
}

/** Prints a reliability test's counts on one line starting `reliability:` (to be quoted). */
export function printCounts(label: string, w: World, runs: Array<RunRecord | undefined>, extra = ''): void {
  const finished = runs.filter((r) => r && isTerminal(r.state));
  const states = runs.map((r) => (r ? `${r.state}${r.error ? ` ${r.error.code}` : ''}` : 'gone')).join(', ');
  process.stdout.write(
    `reliability: ${label}: sent ${runs.length}, finished ${finished.length} (${states}), lost ${runs.length - finished.length}, pull requests ${pullsOpened(w)}, branches ${droverBranches(w).length}${extra ? `, ${extra}` : ''}\n`,
  );
}

/** `git diff --numstat base...head` in the bare repository: added, removed, path per line. */
export function numstat(repo: GitOpsRepo, head: string, base = 'main'): string {
  return git(repo.bare, 'diff', '--numstat', `${base}...${head}`);
}
