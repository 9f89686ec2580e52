import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/program.js';
import { ROOT, type TestDrover } from './test-drover.js';

/**
 * One person's `drover chat`, run in-process against a test Drover's Redis
 * prefix with the given policy file: type lines into it, read what it printed.
 */
export function cliChat(t: TestDrover, policyFile: string, user: string) {
  const input = new PassThrough();
  const out: string[] = [];
  const done = runCli(['chat'], {
    env: { DROVER_REDIS_PREFIX: t.prefix, DROVER_POLICY: policyFile },
    cwd: ROOT,
    user,
    stopSignal: new Promise(() => undefined),
    input,
    interactive: true,
    output: { out: (l) => out.push(l), err: (l) => out.push(l) },
  });
  return { input, type: (line: string) => input.write(`${line}\n`), printed: () => out.join('\n'), end: () => input.end(), done };
}
