/**
 * The README's "from zero to a tested runbook" walkthrough, as a new author
 * follows it: an empty directory of their own, Drover installed as a package
 * (node_modules/drover linked to this checkout, as `npm link drover` does), and
 * the real CLI, each command its own process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processEnv, stopProcess } from '../../support/cli-process.js';
import { freePort } from '../../support/free-port.js';
import { deletePrefix, redisClient, REDIS_URL, uniquePrefix } from '../../support/redis.js';
import { ROOT } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';

let team: string;
let env: Record<string, string>;
let server: ChildProcess | undefined;
const prefix = uniquePrefix('walkthrough');

/** `npx drover <args>` in the author's directory: its exit code and output (killed after `timeoutMs`). */
async function drover(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [join(team, 'node_modules', '.bin', 'drover'), ...args], { cwd: team, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  return { code, out, err };
}

beforeAll(async () => {
  team = mkdtempSync(join(tmpdir(), 'drover-walkthrough-'));
  // What `npm link drover` (or `npm install drover`) leaves: the package and its bin.
  mkdirSync(join(team, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(ROOT, join(team, 'node_modules', 'drover'), 'dir');
  symlinkSync(join('..', 'drover', 'bin', 'drover.js'), join(team, 'node_modules', '.bin', 'drover'));
  // Nothing of the developer's: no kubeconfig (so the sandbox), no policy, a Redis prefix of its own.
  env = processEnv({ REDIS_URL, DROVER_REDIS_PREFIX: prefix, PORT: String(await freePort()), LOG_LEVEL: 'warn' });
});

afterAll(async () => {
  if (server) await stopProcess(server, 'SIGTERM', 10_000);
  const redis = redisClient();
  await deletePrefix(redis, prefix);
  redis.disconnect();
  rmSync(team, { recursive: true, force: true });
});

describe('from zero to a tested runbook, in an empty repository of the author\'s own', () => {
  it('drover new runbook disk-report --init writes the runbook, its test and the project files', async () => {
    const r = await drover(['new', 'runbook', 'disk-report', '--init']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(['created runbooks/disk-report.ts', 'created runbooks/disk-report.test.ts', 'created package.json', 'created tsconfig.json'].join('\n'));
    expect(readdirSync(join(team, 'runbooks')).sort()).toEqual(['disk-report.test.ts', 'disk-report.ts']);
    expect(readFileSync(join(team, 'runbooks', 'disk-report.ts'), 'utf8')).toContain("import { defineRunbook, z } from 'drover';");
    expect(JSON.parse(readFileSync(join(team, 'package.json'), 'utf8'))).toMatchObject({ type: 'module', dependencies: { drover: expect.any(String) as unknown } });
  }, 60_000);

  it('drover runbooks test passes at once', async () => {
    const r = await drover(['runbooks', 'test'], 90_000);
    expect(r.err).toContain('Testing 1 runbook: runbooks/disk-report.test.ts');
    expect(r.out).toMatch(/✔ a dry run reads the deployment and changes nothing/);
    expect(r.out).toMatch(/ℹ pass 3\nℹ fail 0/);
    expect(r.code).toBe(0);
  }, 100_000);

  it('drover start serves the sandbox; a dry run in the terminal chat, then a real run on the sandbox', async () => {
    server = spawn(process.execPath, [join(team, 'node_modules', '.bin', 'drover'), 'start'], { cwd: team, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let started = '';
    server.stderr?.on('data', (d: Buffer) => (started += d.toString()));
    server.stdout?.on('data', (d: Buffer) => (started += d.toString()));
    await waitFor(() => /Drover is running: \d+ runbooks, clusters: sandbox/.test(started), `drover start to be ready (it printed: ${started})`, 45_000);
    // It suggests the author's own runbook, not the shipped ones this repository does not have.
    expect(started).toContain('npx drover run disk-report deployment=… --dry-run --wait');

    const child = spawn(process.execPath, [join(team, 'node_modules', '.bin', 'drover'), 'chat'], { cwd: team, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let chat = '';
    child.stdout?.on('data', (d: Buffer) => (chat += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (chat += d.toString()));
    child.stdin?.write('run disk-report namespace=demo deployment=web --dry-run\n');
    try {
      await waitFor(() => /demo\/web: 3 of 3 replicas ready\./.test(chat) && /disk-report succeeded.*dry run/i.test(chat), `the dry run's thread in the chat (it printed: ${chat})`, 45_000);
    } finally {
      child.stdin?.end();
      await stopProcess(child, 'SIGTERM', 10_000);
    }

    const real = await drover(['run', 'disk-report', 'deployment=api', '--wait']);
    expect(real.out).toMatch(/Run \S+ queued: disk-report on sandbox/);
    expect(real.out).toContain('demo/api: 1 of 2 replicas ready.');
    expect(real.out).toMatch(/Run \S+ succeeded/);
    expect(real.code).toBe(0);
  }, 120_000);
});
