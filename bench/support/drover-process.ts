// A compiled Drover process under test (`node dist/src/main.js serve|worker`),
// started with the benchmark's preload so that it can be asked to collect
// garbage and report its memory; ready when /readyz answers 200.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { Children, Child } from './children.js';
import { freePort } from './free-port.js';
import { benchJs, mainJs, repoRoot } from './paths.js';
import { procMemory, type ProcMemory } from './proc-memory.js';
import { sleep, waitFor } from './stats.js';
import type { Workspace } from './workspace.js';

export const WEBHOOK_TOKEN = 'bench-webhook-token-0123456789';
export const SLACK_SECRET = 'bench-signing-secret';
export const PREFIX = 'drover-bench';

export interface MemoryReport extends NodeJS.MemoryUsage {
  snapshot?: string;
}

export interface DroverProcess {
  name: string;
  child: Child;
  pid: number;
  url: string;
  /** Milliseconds from spawn to /readyz answering 200. */
  readyMs: number;
  /** performance.now() when it was spawned. */
  spawnedAt: number;
  memory(): ProcMemory | undefined;
  /** Forces a garbage collection and reads process.memoryUsage() (and a heap snapshot, if asked). */
  collect(options?: { snapshot?: boolean; timeoutMs?: number }): Promise<MemoryReport>;
  stop(): Promise<void>;
}

export interface DroverEnvOptions {
  redisUrl: string;
  workspace: Workspace;
  port: number;
  extra?: Record<string, string>;
}

export function droverEnv({ redisUrl, workspace, port, extra }: DroverEnvOptions): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: workspace.dir,
    NODE_ENV: 'production',
    REDIS_URL: redisUrl,
    DROVER_REDIS_PREFIX: PREFIX,
    PORT: String(port),
    DROVER_HTTP_HOST: '127.0.0.1',
    DROVER_CONFIG: workspace.configFile,
    DROVER_RUNBOOKS_DIR: workspace.runbooksDir,
    DROVER_POLICY: workspace.policyFile,
    KUBECONFIG: workspace.kubeconfigFile(),
    DROVER_SANDBOX: 'off',
    DROVER_WORKER_CONCURRENCY: '50',
    ALERTMANAGER_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
    LOG_LEVEL: 'warn',
    BENCH_MEMORY_DIR: workspace.memoryDir,
    ...extra,
  };
}

async function announced(redisUrl: string, pid: number, timeoutMs: number): Promise<boolean> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    return await waitFor(async () => Object.values(await redis.hgetall(`${PREFIX}:workers`)).some((raw) => (JSON.parse(raw) as { pid?: number }).pid === pid), timeoutMs, 25);
  } finally {
    redis.disconnect();
  }
}

/** Starts `node dist/src/main.js <args>` and waits for /readyz (at most `readyTimeoutMs`). */
export async function startDrover(
  children: Children,
  options: {
    name: string;
    args: string[];
    redisUrl: string;
    workspace: Workspace;
    env?: Record<string, string>;
    /** Environment variables to leave out (the `npm start` figure runs without a kubeconfig). */
    unset?: string[];
    /** Node's arguments before `args`; default: the preload, then dist/src/main.js. */
    entry?: string[];
    /** Write a CPU profile (node --cpu-prof) to the workspace's profile folder when it exits. */
    profile?: boolean;
    readyTimeoutMs?: number;
  },
): Promise<DroverProcess> {
  const port = await freePort();
  const env = droverEnv({ redisUrl: options.redisUrl, workspace: options.workspace, port, ...(options.env ? { extra: options.env } : {}) });
  for (const name of options.unset ?? []) delete env[name];
  const profile = options.profile ? ['--cpu-prof', `--cpu-prof-dir=${options.workspace.profileDir}`] : [];
  const entry = options.entry ?? [...profile, '--expose-gc', '--import', benchJs('preload/gc-on-signal.js'), mainJs];
  const started = performance.now();
  const child = children.start(options.name, process.execPath, [...entry, ...options.args], {
    cwd: repoRoot,
    env,
  });
  const url = `http://127.0.0.1:${port}`;
  const ready = await waitFor(async () => {
    if (child.hasExited()) throw new Error(`${options.name} exited before it was ready:\n${child.logTail()}`);
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return res.status === 200;
    } catch {
      return false;
    }
  }, options.readyTimeoutMs ?? 60_000, 25);
  if (!ready) throw new Error(`${options.name} did not become ready within ${(options.readyTimeoutMs ?? 60_000) / 1000} s:\n${child.logTail()}`);
  const readyMs = performance.now() - started;
  // /readyz answers before a worker has announced its clusters (the HTTP server listens first):
  // a run submitted in between finds no cluster. Wait for the announcement too.
  if (options.args[0] === 'worker' && !(await announced(options.redisUrl, child.pid, 30_000))) {
    throw new Error(`${options.name} did not announce itself (${PREFIX}:workers) within 30 s:\n${child.logTail()}`);
  }
  const reportFile = `${options.workspace.memoryDir}/${child.pid}.json`;
  return {
    name: options.name,
    child,
    pid: child.pid,
    url,
    readyMs,
    spawnedAt: started,
    memory: () => procMemory(child.pid),
    async collect({ snapshot = false, timeoutMs = 60_000 } = {}) {
      rmSync(reportFile, { force: true });
      if (snapshot) writeFileSync(`${options.workspace.memoryDir}/${child.pid}.want-snapshot`, '');
      child.process.kill('SIGUSR2');
      const deadline = Date.now() + timeoutMs;
      while (!existsSync(reportFile)) {
        if (Date.now() > deadline || child.hasExited()) throw new Error(`${options.name} wrote no memory report (is the preload loaded?)`);
        await sleep(20);
      }
      return JSON.parse(readFileSync(reportFile, 'utf8')) as MemoryReport;
    },
    stop: () => child.stop(15_000),
  };
}
