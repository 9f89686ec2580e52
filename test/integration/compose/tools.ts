/**
 * The real tools the compose tests run (Debian's docker-compose, promtool,
 * amtool, prometheus, prometheus-alertmanager), and the compose file as
 * docker-compose itself resolves it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../../support/test-drover.js';

export { ROOT };
export const COMPOSE_DIR = join(ROOT, 'deploy', 'compose');

/** How CI gets each tool (.ci/run installs them); a missing tool fails the test with this. */
const INSTALL: Record<string, string> = {
  'docker-compose': 'apt-get install docker-compose',
  promtool: 'apt-get install prometheus (Debian ships promtool in it)',
  prometheus: 'apt-get install prometheus',
  amtool: 'apt-get install prometheus-alertmanager',
  'prometheus-alertmanager': 'apt-get install prometheus-alertmanager',
};

// eslint-disable-next-line no-restricted-syntax -- the tools are found on the test process's PATH; nothing else of its environment is passed on
const PATH = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';

/** PATH, a throwaway HOME and `extra`: the compose file's `${VAR:-default}`s take their defaults, nothing of the developer's leaks in. */
export function toolEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH, HOME: tmpdir(), ...extra };
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (killed after `timeoutMs`); never throws for a non-zero exit. */
export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? toolEnv(), timeout: options.timeoutMs ?? 30_000 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error(`${command} is not installed: ${INSTALL[command] ?? 'put it on PATH'} (CI's .ci/run installs it).`));
        return;
      }
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The path of a tool on PATH, or an error saying how to install it. */
export async function requireTool(name: string): Promise<string> {
  const found = await run('sh', ['-c', `command -v ${name}`]);
  if (found.code !== 0) throw new Error(`${name} is not installed: ${INSTALL[name] ?? 'put it on PATH'} (CI's .ci/run installs it).`);
  return found.stdout.trim();
}

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | null>;
  ports?: Array<string | { host_ip?: string; published?: number | string; target?: number }>;
  volumes?: Array<string | { type?: string; source?: string; target?: string }>;
  tmpfs?: string[] | string;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  restart?: string;
  stop_grace_period?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
}

/** docker-compose.yml as `docker-compose config` resolves it (anchors merged, defaults filled in). */
export async function composeConfig(): Promise<ComposeFile> {
  await requireTool('docker-compose');
  const r = await run('docker-compose', ['-f', 'docker-compose.yml', 'config'], { env: toolEnv() });
  if (r.code !== 0) throw new Error(`docker-compose config failed:\n${r.stderr}`);
  return parse(r.stdout) as ComposeFile;
}

/** A YAML file of the repository, parsed. */
export function readYaml<T>(path: string): T {
  return parse(readFileSync(path, 'utf8')) as T;
}

/** A long-running server process: its stderr and stdout kept (the last 64 kB) for failure messages. */
export interface ServerProcess {
  child: ChildProcess;
  logs(): string;
  stop(): Promise<void>;
}

/** Starts a server and waits until `readyUrl` answers 2xx; stops it and fails with its logs otherwise. */
export async function startServer(command: string, args: string[], readyUrl: string, env: NodeJS.ProcessEnv = toolEnv(), timeoutMs = 30_000): Promise<ServerProcess> {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  const keep = (chunk: Buffer) => {
    logs = (logs + chunk.toString()).slice(-64_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = signal ?? `code ${code}`));
  child.once('error', (err) => (exited = err.message));
  const handle: ServerProcess = {
    child,
    logs: () => logs,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(readyUrl, { signal: AbortSignal.timeout(1_000) }).then(
      async (r) => (await r.text(), r.ok),
      () => false,
    );
    if (ok) return handle;
    if (exited || Date.now() > deadline) {
      await handle.stop();
      throw new Error(`${command} ${exited ? `exited (${exited})` : `was not ready at ${readyUrl} after ${timeoutMs} ms`}:\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
