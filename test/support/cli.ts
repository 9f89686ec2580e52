import { Readable } from 'node:stream';
import { runCli, type CliDeps } from '../../src/cli/program.js';
import { ALLOW_ALL_POLICY, ROOT, type TestDrover } from './test-drover.js';

/** Runs the real CLI in-process against a test Drover's Redis prefix (in `cwd`, the repository by default); returns its exit code and output. */
export async function drover(t: TestDrover | undefined, args: string[], env: Record<string, string> = {}, cwd = ROOT) {
  const out: string[] = [];
  const err: string[] = [];
  const deps: CliDeps = {
    env: { ...(t ? { DROVER_REDIS_PREFIX: t.prefix } : {}), DROVER_POLICY: ALLOW_ALL_POLICY, ...env },
    cwd,
    user: 'dave@laptop',
    stopSignal: new Promise(() => undefined),
    input: Readable.from([]),
    interactive: false,
    output: { out: (l) => out.push(l), err: (l) => err.push(l) },
  };
  const code = await runCli(args, deps);
  return { code, out: out.join('\n'), err: err.join('\n') };
}
