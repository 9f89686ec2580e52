import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../../support/test-drover.js';

/**
 * A team's own repository that installed Drover as a dependency: a runbook
 * imports 'drover', its test imports 'drover/testing', and the real tools run
 * there: tsc (types come from package.json's exports), node --test (the
 * harness, compiled), the drover CLI (compiled, loading the runbook).
 *
 * The installed package is this checkout built once into a temporary
 * directory (as `npm pack` would ship it: package.json, bin/, dist/ with
 * declarations, and the dependencies), linked as node_modules/drover, as
 * `npm link` does; the shared dist/ of the checkout is left alone.
 */

// eslint-disable-next-line no-restricted-syntax -- child processes need the PATH and may be pointed at another Redis
const { PATH = '/usr/bin:/bin', REDIS_URL } = process.env;
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

function run(args: string[], cwd: string, home: string, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, args, { cwd, env: { PATH, HOME: home, ...(REDIS_URL ? { REDIS_URL } : {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    }),
  );
}

const RUNBOOK = `import { defineRunbook, z } from 'drover';

export default defineRunbook({
  id: 'scale-web',
  summary: 'Scale a deployment of the team',
  params: z.object({ namespace: z.string(), deployment: z.string(), replicas: z.coerce.number().int().min(0) }),
  concurrencyKey: (p) => \`deployment/\${p.namespace}/\${p.deployment}\`,
  async run(ctx, { namespace, deployment, replicas }) {
    const change = await ctx.step('scale', () => ctx.k8s.scaleDeployment(namespace, deployment, replicas));
    const next: number = replicas + 1;
    await ctx.report(\`\${change.summary} (next: \${next})\`);
    return { summary: change.summary };
  },
});
`;

const TEST = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment } from 'drover';
import { runbookHarness } from 'drover/testing';
import scaleWeb from './scale-web.js';

test('scales the deployment, through the harness', async () => {
  const h = await runbookHarness({ runbooks: [scaleWeb] });
  try {
    const run = await h.run('scale-web', { namespace: 'demo', deployment: 'web', replicas: '5' });
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(run.writes.map((w) => [w.method, w.path, w.dryRun]), [['PATCH', '/apis/apps/v1/namespaces/demo/deployments/web/scale', false]]);
    assert.equal(h.get<V1Deployment>('deployments', 'demo', 'web')?.spec?.replicas, 5);
  } finally {
    await h.close();
  }
});
`;

describe("a team's repository with drover installed", () => {
  let work: string;
  let repo: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'drover-team-'));
    const pkg = join(work, 'drover');
    mkdirSync(join(pkg, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
    cpSync(join(ROOT, 'bin', 'drover.js'), join(pkg, 'bin', 'drover.js'));
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
    const build = await run([TSC, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')], ROOT, work, 240_000);
    if (build.code !== 0) throw new Error(`npm run build's tsc failed:\n${build.out}`);

    repo = join(work, 'team');
    mkdirSync(join(repo, 'runbooks'), { recursive: true });
    mkdirSync(join(repo, 'node_modules'));
    symlinkSync(pkg, join(repo, 'node_modules', 'drover'), 'dir');
    writeFileSync(join(repo, 'package.json'), JSON.stringify({ name: 'team-runbooks', private: true, type: 'module' }));
    // What a team's tsconfig says; skipLibCheck as usual (the Kubernetes client's own declarations need @types/ws otherwise).
    const compilerOptions = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] };
    writeFileSync(join(repo, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...compilerOptions, typeRoots: [join(ROOT, 'node_modules', '@types')] }, include: ['runbooks'] }));
    writeFileSync(join(repo, 'runbooks', 'scale-web.ts'), RUNBOOK);
    writeFileSync(join(repo, 'runbooks', 'scale-web.test.ts'), TEST);
  }, 300_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('tsc types run()\'s params from the schema, through the package\'s exports', async () => {
    const ok = await run([TSC, '-p', 'tsconfig.json'], repo, work, 60_000);
    expect(ok).toEqual({ code: 0, out: '' });
    // The same runbook treating a number as a string: the params are typed, not any.
    writeFileSync(join(repo, 'runbooks', 'scale-web.ts'), RUNBOOK.replace('const next: number', 'const next: string'));
    try {
      const bad = await run([TSC, '-p', 'tsconfig.json'], repo, work, 60_000);
      expect(bad.code).not.toBe(0);
      expect(bad.out).toMatch(/runbooks\/scale-web\.ts\(10,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);
    } finally {
      writeFileSync(join(repo, 'runbooks', 'scale-web.ts'), RUNBOOK);
    }
  }, 130_000);

  it('the compiled drover CLI loads the runbook, mapping drover to its own SDK', async () => {
    const listed = await run([join(repo, 'node_modules', 'drover', 'bin', 'drover.js'), 'runbooks', 'validate', 'runbooks'], repo, work, 60_000);
    expect(listed.out).toContain('1 runbook(s) valid');
    expect(listed.out).not.toMatch(/through tsx/);
    expect(listed.code).toBe(0);
  }, 70_000);

  it("node --test runs the runbook's test with the compiled harness from drover/testing", async () => {
    const tested = await run(['--import', TSX, '--test', 'runbooks/scale-web.test.ts'], repo, work, 90_000);
    expect(tested.out).toMatch(/# pass 1/);
    expect(tested.code).toBe(0);
  }, 100_000);

  it('drover runbooks test runs it too, without the team installing tsx', async () => {
    const tested = await run([join(repo, 'node_modules', 'drover', 'bin', 'drover.js'), 'runbooks', 'test'], repo, work, 90_000);
    expect(tested.out).toMatch(/pass 1/);
    expect(tested.code).toBe(0);
  }, 100_000);
});
