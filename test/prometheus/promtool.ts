/**
 * The real promtool (Debian's `prometheus` package), for checking and
 * unit-testing rule files. A missing promtool is a failure that says how to
 * get it, never a skip.
 */
import { execFile } from 'node:child_process';

export interface PromtoolResult {
  code: number;
  /** stdout and stderr together: promtool splits its report between them. */
  output: string;
}

const MISSING =
  'promtool is not installed. It ships in Debian\'s `prometheus` package: `apt-get install prometheus` ' +
  '(CI\'s .ci/run installs it); or put the official promtool on PATH.';

/** Runs `promtool ...args` in `cwd`; resolves with its exit code and report. */
export function promtool(args: string[], cwd?: string): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    execFile('promtool', args, { cwd, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (err === null) resolve({ code: 0, output });
      else if ((err as NodeJS.ErrnoException).code === 'ENOENT') reject(new Error(MISSING, { cause: err }));
      else if (typeof err.code === 'number') resolve({ code: err.code, output });
      else reject(new Error(`promtool ${args.join(' ')}: ${err.message}`, { cause: err }));
    });
  });
}
