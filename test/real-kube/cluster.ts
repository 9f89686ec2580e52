/**
 * A real Kubernetes control plane for tests: etcd, kube-apiserver (static
 * tokens, RBAC) and optionally kube-controller-manager, each on free loopback
 * ports with its state in a temp folder, stopped by PID. The binaries come
 * from test/real-kube/build.sh (cached outside the checkout).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { freePort } from '../support/free-port.js';

export const REAL_KUBE_VERSION = '1.20.2';

/** Tokens the server accepts (`--token-auth-file`). */
export const TOKENS = {
  /** system:masters: everything, RBAC bypassed. */
  admin: 'drover-admin-token',
  /** Authenticated, no RBAC bindings: forbidden everywhere until bound. */
  nobody: 'drover-nobody-token',
  /** User drover-bot (group drover:bots), no bindings: what a test grants it is all it may do. */
  bot: 'drover-bot-token',
} as const;

export interface RealKube {
  /** https://127.0.0.1:PORT */
  url: string;
  version: string;
  dir: string;
  /** The serving certificate the API server wrote, the kubeconfig's CA. */
  caFile: string;
  /** Kubeconfig for a token (admin by default). */
  kubeConfig(token?: string, context?: string): KubeConfig;
  kubeConfigYaml(token?: string, context?: string): string;
  /** Path of a kubeconfig file for the admin token. */
  kubeConfigFile: string;
  pids: { etcd: number; apiserver: number; controllerManager?: number };
  /** What the processes wrote, for a failing test's message. */
  logs(): string;
  stop(): Promise<void>;
}

export interface StartRealKubeOptions {
  /** Where to find the binaries (DROVER_KUBE_CACHE, XDG_CACHE_HOME, PATH). */
  env: NodeJS.ProcessEnv;
  /** Also run kube-controller-manager (Deployments make ReplicaSets and Pods; Jobs make Pods). Default true. */
  controllerManager?: boolean;
}

/** Where build.sh caches the binaries. */
export function realKubeBinDir(env: NodeJS.ProcessEnv): string {
  const root = env.DROVER_KUBE_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'drover', 'kube');
  return join(root, `v${REAL_KUBE_VERSION}`, 'bin');
}

function which(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Why the real control plane cannot start here, or undefined when it can. */
export function realKubeMissing(env: NodeJS.ProcessEnv): string | undefined {
  const bin = realKubeBinDir(env);
  const missing: string[] = [];
  if (!existsSync(join(bin, '.complete'))) missing.push(`kube-apiserver ${REAL_KUBE_VERSION} (not built in ${bin})`);
  if (!which('etcd', env)) missing.push('etcd (Debian package etcd-server)');
  if (!which('openssl', env)) missing.push('openssl');
  return missing.length ? `${missing.join(', ')}: run \`bash test/real-kube/build.sh\`` : undefined;
}

class Proc {
  private out = '';
  readonly exited: Promise<number | null>;
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const keep = (b: Buffer) => {
      this.out = (this.out + b.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }
  get log(): string {
    return `--- ${this.name} (pid ${this.child.pid})\n${this.out}`;
  }
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    let giveUp: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise((r) => (giveUp = setTimeout(r, graceMs + 2000)))]);
    clearTimeout(timer);
    clearTimeout(giveUp);
  }
}

function launch(name: string, cmd: string, args: string[]): Proc {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Proc(name, child);
}

/** GET path on the API server; resolves with the status code, or 0 when nothing answers. */
function probe(url: string, path: string, token: string, ca: Buffer | undefined): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      `${url}${path}`,
      { headers: { Authorization: `Bearer ${token}` }, agent: new Agent({ ca, rejectUnauthorized: ca !== undefined }), timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, procs: Proc[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    const dead = procs.find((p) => !p.running);
    if (dead) throw new Error(`${dead.name} exited while waiting for ${what}\n${dead.log}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${procs.map((p) => p.log).join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function kubeConfigYaml(url: string, ca: string, token: string, context: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: context, cluster: { server: url, 'certificate-authority-data': Buffer.from(ca).toString('base64') } }],
    users: [{ name: `${context}-user`, user: { token } }],
    contexts: [{ name: context, context: { cluster: context, user: `${context}-user` } }],
    'current-context': context,
  });
}

/** Starts etcd and kube-apiserver (and the controller manager) and waits until the API server is ready. */
export async function startRealKube(options: StartRealKubeOptions): Promise<RealKube> {
  const missing = realKubeMissing(options.env);
  if (missing) throw new Error(`the real Kubernetes API server is not available: ${missing}`);
  const bin = realKubeBinDir(options.env);
  const dir = await mkdtemp(join(tmpdir(), 'drover-real-kube-'));
  const procs: Proc[] = [];
  const stopAll = async () => {
    // The API server before the etcd it uses; each stop bounded.
    for (const p of [...procs].reverse()) await p.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const [etcdClient, etcdPeer, securePort, cmPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    procs.push(
      launch('etcd', 'etcd', [
        '--name=drover-test',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=drover-test=http://127.0.0.1:${etcdPeer}`,
        '--log-level=warn',
      ]),
    );

    const saKey = join(dir, 'sa.key');
    execFileSync('openssl', ['genrsa', '-out', saKey, '2048'], { stdio: 'ignore' });
    const tokenFile = join(dir, 'tokens.csv');
    await writeFile(
      tokenFile,
      [
        `${TOKENS.admin},drover-admin,uid-admin,"system:masters"`,
        `${TOKENS.nobody},drover-nobody,uid-nobody,"drover:testers"`,
        `${TOKENS.bot},drover-bot,uid-bot,"drover:bots"`,
        // The controller manager acts with full rights (its per-controller service accounts are not needed here).
        `drover-controller-manager-token,system:kube-controller-manager,uid-kcm,"system:masters"`,
      ].join('\n') + '\n',
    );
    const certDir = join(dir, 'certs');
    const url = `https://127.0.0.1:${securePort}`;
    procs.push(
      launch('kube-apiserver', join(bin, 'kube-apiserver'), [
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${securePort}`,
        `--cert-dir=${certDir}`,
        `--etcd-servers=${etcdUrl}`,
        `--token-auth-file=${tokenFile}`,
        '--authorization-mode=RBAC',
        `--service-account-key-file=${saKey}`,
        `--service-account-signing-key-file=${saKey}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        '--service-cluster-ip-range=10.96.0.0/16',
        '--endpoint-reconciler-type=none',
        '--enable-priority-and-fairness=false',
        // Pods may be created before the namespace's default ServiceAccount exists (no race in tests).
        '--disable-admission-plugins=ServiceAccount',
        '--v=0',
      ]),
    );
    const caFile = join(certDir, 'apiserver.crt');
    await until('the API server certificate', () => Promise.resolve(existsSync(caFile)), 30_000, procs);
    const ca = await readFile(caFile);
    await until('kube-apiserver /readyz', async () => (await probe(url, '/readyz', TOKENS.admin, ca)) === 200, 60_000, procs);

    const yaml = (token: string = TOKENS.admin, context = 'real-kube') => kubeConfigYaml(url, ca.toString(), token, context);
    const kubeConfigFile = join(dir, 'kubeconfig.yaml');
    await writeFile(kubeConfigFile, yaml());

    let controllerManager: Proc | undefined;
    if (options.controllerManager !== false) {
      const cmConfig = join(dir, 'kcm.kubeconfig');
      await writeFile(cmConfig, yaml('drover-controller-manager-token', 'kcm'));
      controllerManager = launch('kube-controller-manager', join(bin, 'kube-controller-manager'), [
        `--kubeconfig=${cmConfig}`,
        `--authentication-kubeconfig=${cmConfig}`,
        `--authorization-kubeconfig=${cmConfig}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${cmPort}`,
        '--port=0',
        '--leader-elect=false',
        '--use-service-account-credentials=false',
        `--service-account-private-key-file=${saKey}`,
        `--root-ca-file=${caFile}`,
        '--controllers=deployment,replicaset,job,garbagecollector,serviceaccount,namespace',
        '--concurrent-deployment-syncs=2',
        '--v=0',
      ]);
      procs.push(controllerManager);
    }

    const kcm = controllerManager?.child.pid;
    const handle: RealKube = {
      url,
      version: REAL_KUBE_VERSION,
      dir,
      caFile,
      kubeConfigFile,
      kubeConfigYaml: yaml,
      kubeConfig(token, context) {
        const kc = new KubeConfig();
        kc.loadFromString(yaml(token, context));
        return kc;
      },
      pids: { etcd: procs[0]!.child.pid ?? 0, apiserver: procs[1]!.child.pid ?? 0, ...(kcm ? { controllerManager: kcm } : {}) },
      logs: () => procs.map((p) => p.log).join('\n'),
      stop: stopAll,
    };
    return handle;
  } catch (err) {
    await stopAll();
    throw err;
  }
}
