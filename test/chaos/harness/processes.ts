/**
 * Drover processes the suite starts (`drover serve --no-worker`, `drover
 * worker`): their exits are watched, so an exit nobody asked for counts as a
 * crash, and their output is scanned for planted secrets as it streams.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnDrover } from '../../support/cli-process.js';
import { waitFor } from '../../support/wait-for.js';

/** Sends `signal` and waits for the exit (SIGKILL after `timeoutMs`); resolves at once if it has exited. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await done;
  clearTimeout(timer);
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Milliseconds from the stop signal to the exit. */
  ms: number;
}

export class DroverProcess {
  readonly child: ChildProcess;
  /** Exits nobody asked for. */
  crashes = 0;
  /** Occurrences of the planted secrets in its stdout and stderr. */
  leaks = 0;
  private stopping = false;
  private tail = '';
  /** The end of its output, for the report of a crash. */
  private recent = '';
  private readonly exited: Promise<Exit>;
  private signalledAt = 0;

  constructor(
    readonly name: string,
    args: string[],
    env: Record<string, string>,
    private readonly secrets: readonly string[],
  ) {
    this.child = spawnDrover(args, env);
    const scan = (chunk: Buffer): void => {
      // Keep a short tail so a secret split across two chunks is still found once.
      const text = this.tail + chunk.toString();
      for (const s of this.secrets) this.leaks += text.split(s).length - 1 - (this.tail.split(s).length - 1);
      this.tail = text.slice(-200);
      this.recent = (this.recent + chunk.toString()).slice(-3000);
    };
    this.child.stdout?.on('data', scan);
    this.child.stderr?.on('data', scan);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        if (!this.stopping) {
          this.crashes += 1;
          process.stderr.write(`chaos: ${this.name} exited unasked (code ${code}, signal ${signal}); its last output:\n${this.recent}\n`);
        }
        resolve({ code, signal, ms: Date.now() - this.signalledAt });
      }),
    );
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once `line` appeared in its output. */
  async waitForOutput(text: string, timeoutMs = 60_000): Promise<void> {
    let seen = false;
    const look = (chunk: Buffer): void => {
      if (chunk.toString().includes(text)) seen = true;
    };
    this.child.stdout?.on('data', look);
    this.child.stderr?.on('data', look);
    try {
      await waitFor(() => seen || this.tail.includes(text) || !this.alive, `${this.name}: "${text}"`, timeoutMs);
      if (!this.alive) throw new Error(`${this.name} exited before "${text}": ${this.tail}`);
    } finally {
      this.child.stdout?.off('data', look);
      this.child.stderr?.off('data', look);
    }
  }

  /** Stops it with `signal` (a kill the suite asked for, not a crash); SIGKILL after `timeoutMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<Exit> {
    this.stopping = true;
    this.signalledAt = Date.now();
    if (this.alive) {
      this.child.kill(signal);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }
}
