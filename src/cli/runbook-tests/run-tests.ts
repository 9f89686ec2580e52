import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { isAbsolute, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Env } from '../../config/load-config.js';

export interface RunTestsOptions {
  /** Test files, absolute paths. */
  files: string[];
  /** The author's project: where 'drover' and relative imports resolve from. */
  cwd: string;
  env: Env;
  /** Drover runs from its TypeScript source: 'drover' must mean the source too (package.json's `drover-source` condition). */
  fromSource: boolean;
  /** Longest a single test may take. */
  testTimeoutMs?: number;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Resolves when the person asks to stop: the runner is stopped too. */
  stopSignal: Promise<unknown>;
}

/** tsx's loader, from Drover's own dependencies: the author's project need not install it. */
function tsxLoaderUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

/** Forwards a stream line by line (the runner's output is line-oriented). */
function forward(stream: NodeJS.ReadableStream, write: (line: string) => void): () => void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) write(line);
  });
  return () => {
    if (rest) write(rest);
    rest = '';
  };
}

/** The node arguments that run `files` with Node's test runner, TypeScript through tsx. */
export function testRunnerArgs(options: Pick<RunTestsOptions, 'files' | 'cwd' | 'fromSource' | 'testTimeoutMs'>): string[] {
  return [
    ...(options.fromSource ? ['--conditions=drover-source'] : []),
    // A failing test is named by its line in the TypeScript source, not in tsx's output.
    '--enable-source-maps',
    '--import',
    tsxLoaderUrl(),
    '--no-warnings=ExperimentalWarning',
    '--test',
    '--test-reporter=spec',
    `--test-timeout=${options.testTimeoutMs ?? 60_000}`,
    // Relative to the project where they can be: from Node 21 each is a glob pattern, and a directory above
    // the project named with glob characters ([team] runbooks) would then match nothing.
    ...options.files.map((file) => {
      const rel = relative(options.cwd, file);
      return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
    }),
  ];
}

/** Runs the tests with Node's test runner in a child process; resolves to its exit code (0: all passed). */
export async function runTests(options: RunTestsOptions): Promise<number> {
  const child = spawn(process.execPath, testRunnerArgs(options), { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  // The runner's summary: files given but no test run means the files were not found or hold no test.
  let testsRun: number | undefined;
  const flushOut = forward(child.stdout, (line) => {
    const summary = /^ℹ tests (\d+)$/.exec(line);
    if (summary) testsRun = Number(summary[1]);
    options.out(line);
  });
  const flushErr = forward(child.stderr, options.err);
  const stop = () => child.kill('SIGINT');
  void options.stopSignal.then(stop);
  // 'close', not 'exit': the output is read to its end.
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
  flushOut();
  flushErr();
  if (code === 0 && testsRun === 0) {
    options.err(`No test ran: Node's test runner found none in ${options.files.map((f) => relative(options.cwd, f)).join(' ')}.`);
    return 1;
  }
  return code;
}
