import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './test-drover.js';

const MAIN = join(ROOT, 'src', 'main.ts');

/**
 * The environment of a Drover process the tests start: nothing from the
 * developer's own (no ~/.kube/config, no REDIS_URL or policy of theirs).
 */
export function processEnv(env: Record<string, string>): Record<string, string> {
  return { HOME: mkdtempSync(join(tmpdir(), 'drover-home-')), ...env };
}

/** Starts `drover <args>` as its own process (src/main.ts through tsx). */
export function spawnDrover(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: processEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `drover <args>` as its own process to its end (killed after `timeoutMs`); its exit code and output. */
export function runDroverProcess(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<{ code: number | null; out: string; err: string }> {
  return runNodeProcess(['--import', 'tsx', MAIN, ...args], processEnv(env), timeoutMs);
}

/** Runs `node <nodeArgs>` (e.g. a heap limit and a script through tsx) in the repository to its end (killed after `timeoutMs`), with `env` (undefined: this process's); its exit code and output. */
export async function runNodeProcess(nodeArgs: string[], env: NodeJS.ProcessEnv | undefined, timeoutMs = 30_000): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, nodeArgs, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  // 'close', not 'exit': the output is read to its end.
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, out: out.trim(), err: err.trim() };
}

/** Stops a process with `signal` and waits for its exit (SIGKILL after `timeoutMs`); its exit code. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await exited;
  clearTimeout(timer);
  return code;
}
