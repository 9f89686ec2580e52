#!/usr/bin/env node
// Drover's entry point: the only module that reads the process environment.
import { userInfo, hostname } from 'node:os';
import { runCli } from './cli/program.js';

const stopSignal = new Promise<string>((resolve) => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
});

let user = process.env.USER ?? 'unknown';
try {
  user = userInfo().username;
} catch {
  // no passwd entry (containers with arbitrary uids)
}

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  user: `${user}@${hostname()}`,
  stopSignal,
  input: process.stdin,
  interactive: Boolean(process.stdin.isTTY),
  output: {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  },
});
process.exit(code);
