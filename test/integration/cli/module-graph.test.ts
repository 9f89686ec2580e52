// What each command loads, in compiled form: the CLI answers fast and a process stays small only
// while commands import what they use (see src/cli/commands/*). The sources are compiled here
// with esbuild, module for module as tsc emits them (verbatimModuleSyntax keeps every import as
// written), into a copy of the package layout; bin/drover.js then runs dist/ as installed.
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, stop } from 'esbuild';
import { processEnv } from '../../support/cli-process.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';
import { ROOT } from '../../support/test-drover.js';

/** What the reading commands and a server without worker or Slack must not load. */
// The OpenTelemetry SDK and exporter too: loaded only when OTEL_* turn tracing on.
const HEAVY = ['@kubernetes/client-node', '@slack/bolt', '@slack/web-api', 'tsx', '@opentelemetry/sdk-trace-node', '@opentelemetry/exporter-trace-otlp-http'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** Packages among loaded modules: `node_modules/<name>` or `node_modules/@scope/<name>`. */
function packagesIn(modules: string[]): Set<string> {
  const names = modules.map((m) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(m)?.[1]).filter((n): n is string => Boolean(n));
  return new Set(names);
}

describe('what a command loads (compiled)', () => {
  let work: string;
  let app: string;
  let recorder: string;
  let runs = 0;
  const prefix = uniquePrefix('graph');
  const redis = redisClient();

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'drover-graph-'));
    app = join(work, 'drover');
    mkdirSync(app);
    const options = { format: 'esm', platform: 'node', target: 'node20', logLevel: 'silent' } as const;
    await build({ ...options, entryPoints: sources(join(ROOT, 'src')), outdir: join(app, 'dist', 'src'), outbase: join(ROOT, 'src') });
    recorder = join(work, 'record-imports.mjs');
    await build({ ...options, entryPoints: [join(ROOT, 'test', 'support', 'record-imports.ts')], outfile: recorder });
    await stop();
    mkdirSync(join(app, 'bin'));
    copyFileSync(join(ROOT, 'bin', 'drover.js'), join(app, 'bin', 'drover.js'));
    copyFileSync(join(ROOT, 'package.json'), join(app, 'package.json'));
    cpSync(join(ROOT, 'runbooks'), join(app, 'runbooks'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'));
  });

  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  /** Runs `drover <args>` (killed with SIGTERM once `until` is printed); its exit code, output and the modules it loaded. */
  async function drover(args: string[], env: Record<string, string> = {}, until?: RegExp) {
    const record = join(work, `modules-${++runs}.txt`);
    const child = spawn(process.execPath, ['--import', recorder, join(app, 'bin', 'drover.js'), ...args], {
      cwd: app,
      env: processEnv({ DROVER_REDIS_PREFIX: prefix, DROVER_RECORD_IMPORTS: record, DROVER_RUNBOOKS_CACHE: join(work, 'cache'), ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let stopped = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // Once: a second SIGTERM is not handled (it ends the process at once, as Node's default).
      if (!stopped && until?.test(out)) stopped = child.kill('SIGTERM');
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    const modules = readFileSync(record, 'utf8').split('\n').filter(Boolean);
    return { code, out, err, modules, packages: packagesIn(modules) };
  }

  it('history and status load the run store, not the queue, Slack, the Kubernetes client, tsx or esbuild', async () => {
    const history = await drover(['history']);
    expect(history).toMatchObject({ code: 0, err: '' });
    expect(history.out.trim()).toBe('No runs yet.');
    expect(history.packages).toContain('ioredis');
    for (const heavy of [...HEAVY, 'bullmq', 'esbuild']) expect(history.packages).not.toContain(heavy);
    expect(history.modules.some((m) => m.endsWith('/dist/src/app.js'))).toBe(false);

    const status = await drover(['status', 'no-such-run']);
    expect(status.code).toBe(2);
    expect(status.err).toContain('No run with id "no-such-run".');
    for (const heavy of [...HEAVY, 'bullmq', 'esbuild']) expect(status.packages).not.toContain(heavy);
  });

  it('runbooks list compiles the runbooks once, then imports them from the cache', async () => {
    const first = await drover(['runbooks', 'list']);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^restart-deployment\s+Rolling restart/m);
    expect(first.packages).toContain('esbuild');
    // The runbooks import the SDK this process runs, not a copy of it.
    expect(first.modules).toContain(`file://${app}/dist/src/sdk/index.js`);
    expect(first.modules.some((m) => m.startsWith(`file://${join(ROOT, 'src')}`))).toBe(false);

    const again = await drover(['runbooks', 'list']);
    expect(again.out).toBe(first.out);
    for (const heavy of [...HEAVY, 'bullmq', 'esbuild']) expect(again.packages).not.toContain(heavy);
  });

  it('serve --no-worker without Slack loads neither the Kubernetes client nor Bolt', async () => {
    const serve = await drover(['serve', '--no-worker'], { PORT: '0', DROVER_HTTP_HOST: '127.0.0.1' }, /HTTP server listening/);
    expect(serve.code).toBe(0);
    expect(serve.packages).toContain('bullmq');
    for (const heavy of HEAVY) expect(serve.packages).not.toContain(heavy);
  });
});
