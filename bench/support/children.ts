// Every process the benchmark starts, so that all of them are stopped at the
// end, on failure too, within a bounded time: SIGTERM, then SIGKILL.
import { spawn, fork, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  /** Where its stdout and stderr go. */
  readonly logFile: string;
  /** Resolves with the exit code (or signal) once it has exited. */
  readonly exited: Promise<string>;
  hasExited(): boolean;
  /** The last lines of its output, for error messages. */
  logTail(lines?: number): string;
  stop(timeoutMs?: number): Promise<void>;
}

async function stopProcess(child: ChildProcess, exited: Promise<string>, isDone: () => boolean, timeoutMs: number): Promise<void> {
  if (isDone()) return;
  child.kill('SIGTERM');
  const timer = (ms: number) => new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
  if ((await Promise.race([exited, timer(timeoutMs)])) !== 'timeout') return;
  child.kill('SIGKILL');
  await Promise.race([exited, timer(2000)]);
}

export class Children {
  private readonly all: Child[] = [];

  constructor(private readonly logDir: string) {}

  /** Starts a program; with `ipc`, a Node module with an IPC channel (fork). */
  start(name: string, command: string, args: string[], options: SpawnOptions & { ipc?: boolean; execArgv?: string[] } = {}): Child {
    const logFile = `${this.logDir}/${name}.log`;
    const log = createWriteStream(logFile, { flags: 'a' });
    const { ipc, ...spawnOptions } = options;
    const child = ipc
      ? fork(command, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] } as Parameters<typeof fork>[2])
      : spawn(command, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    let done = false;
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => {
        done = true;
        resolve(signal ?? String(code));
      });
      child.once('error', (err) => {
        done = true;
        resolve(`error: ${err.message}`);
      });
    });
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    const entry: Child = {
      name,
      process: child,
      pid: child.pid,
      logFile,
      exited,
      hasExited: () => done,
      logTail(lines = 20) {
        try {
          return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
        } catch {
          return '';
        }
      },
      stop: (timeoutMs = 10_000) => stopProcess(child, exited, () => done, timeoutMs),
    };
    this.all.push(entry);
    return entry;
  }

  /** Runs a program to its end (killed after `timeoutMs`); its exit code, stdout, and wall time. */
  async run(name: string, command: string, args: string[], options: SpawnOptions & { timeoutMs: number }): Promise<{ code: string; stdout: string; ms: number }> {
    const { timeoutMs, ...spawnOptions } = options;
    const started = performance.now();
    const child = spawn(command, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    const log = createWriteStream(`${this.logDir}/${name}.log`, { flags: 'a' });
    child.stderr.pipe(log);
    let done = false;
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => {
        done = true;
        resolve(signal ?? String(code));
      });
      child.once('error', (err) => {
        done = true;
        resolve(`error: ${err.message}`);
      });
    });
    const entry = { stop: (ms = 5000) => stopProcess(child, exited, () => done, ms) } as Child;
    this.all.push(entry);
    const timer = setTimeout(() => void entry.stop(2000), timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    return { code, stdout: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started };
  }

  /** Stops every child still running, all at once, each within `timeoutMs` plus 2 s. */
  async stopAll(timeoutMs = 10_000): Promise<void> {
    await Promise.all(this.all.map((c) => c.stop(timeoutMs)));
  }
}
