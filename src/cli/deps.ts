import type { Output, Printer } from './output.js';
import type { RuntimeEnv } from './config-from.js';

/** What the CLI gets from its entry point: the environment, where to print, who is asking. */
export interface CliDeps extends RuntimeEnv {
  output: Output;
  /** Who is asking: `user@host`. */
  user: string;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  stopSignal: Promise<string>;
  /** Standard input, for the terminal chat. */
  input: NodeJS.ReadableStream;
  /** True when a person types on the input (a TTY): `start` then offers the terminal chat. */
  interactive: boolean;
}

/** What commands get: the CLI's dependencies, printing through the redactor. */
export type CommandDeps = Omit<CliDeps, 'output'> & { output: Printer };
