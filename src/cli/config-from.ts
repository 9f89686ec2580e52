import { readFileSync } from 'node:fs';
import { loadConfig, type Env } from '../config/load-config.js';
import type { Config } from '../config/schema.js';

/** What every command gets from the entry point to find its configuration. */
export interface RuntimeEnv {
  env: Env;
  cwd: string;
  /** Where JSON logs go; the CLI's own commands log warnings to stderr only. */
  logDestination?: NodeJS.WritableStream;
}

export function configFrom({ env }: RuntimeEnv): Config {
  return loadConfig({ env, readFile: (path) => readFileSync(path, 'utf8') });
}
