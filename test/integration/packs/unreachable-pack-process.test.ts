/**
 * A real `drover worker` whose config lists a git pack it cannot reach (its
 * URL carrying a token) beside a pack it can: it starts, says which pack is
 * missing (the token nowhere in its output), and runs the other pack's runbooks.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPacks } from '../../../src/runbook/packs/load-packs.js';
import { cachedRunbookImporter } from '../../../src/runbook/runbook-cache.js';
import { spawnDrover, stopProcess } from '../../support/cli-process.js';
import { freePort } from '../../support/free-port.js';
import { GIT_PATH } from '../../support/git-repo.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';

const TOKEN = 'ghp_s3cretTOKENvalue';
const RUNBOOK = `import { defineRunbook, z } from 'drover';
export default defineRunbook({
  id: 'team-hello',
  summary: 'Says hello',
  params: z.object({}),
  async run(ctx) {
    await ctx.report('hello from the team pack');
  },
});
`;

let t: TestDrover;
let work: string;
let worker: ChildProcess | undefined;
let output = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'drover-unreachable-pack-'));
  mkdirSync(join(work, 'shipped'));
  mkdirSync(join(work, 'team'));
  writeFileSync(join(work, 'team', 'team-hello.ts'), RUNBOOK);
  const packs = [
    { name: 'gone', git: `https://x-access-token:${TOKEN}@127.0.0.1:1/acme/runbooks.git`, commit: 'a'.repeat(40) },
    { name: 'team', path: join(work, 'team') },
  ];
  const loaded = await loadPacks({ dir: 'shipped', name: 'drover', packs: [packs[1]!] }, { cwd: work, packCacheDir: join(work, 'cache'), env: {}, importer: cachedRunbookImporter({ dir: join(work, 'compiled') }) });
  t = await buildTestDrover({ runbooks: loaded.registry.list() });
  writeFileSync(join(work, 'config.yaml'), JSON.stringify({ runbooks: { dir: join(work, 'shipped'), packs, packCacheDir: join(work, 'cache') } }));
  writeFileSync(join(work, 'kubeconfig'), t.fake.kubeConfigYaml({ contextName: 'test' }));
  writeFileSync(join(work, 'policy.yaml'), "groups:\n  everyone: ['*']\nrules:\n  - groups: [everyone]\n    runbooks: ['*']\n    clusters: ['*']\n");
  const port = await freePort();
  worker = spawnDrover(['worker'], {
    PATH: GIT_PATH,
    DROVER_CONFIG: join(work, 'config.yaml'),
    DROVER_REDIS_PREFIX: t.prefix,
    KUBECONFIG: join(work, 'kubeconfig'),
    DROVER_SANDBOX: 'off',
    DROVER_RUNBOOKS_CACHE: join(work, 'compiled-worker'),
    DROVER_POLICY: join(work, 'policy.yaml'),
    DROVER_AUDIT_VERIFY_INTERVAL: '0',
    LOG_LEVEL: 'debug',
    PORT: String(port),
  });
  worker.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  worker.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok, `drover worker to be ready (it said: ${output.slice(-1500)})`, 45_000);
}, 90_000);

afterAll(async () => {
  if (worker) await stopProcess(worker, 'SIGKILL', 5_000);
  await t?.close();
  if (work) rmSync(work, { recursive: true, force: true });
}, 30_000);

it('starts without the pack it cannot reach, says so without the token, and runs the rest', async () => {
  expect(output).toMatch(/runbook not loaded: pack gone: cannot be loaded: .*127\.0\.0\.1:1/);
  const run = await t.drover.gate.submit({ runbook: 'team-hello', params: {}, requester: { kind: 'slack', id: 'U0ALICE' } });
  const done = await waitFor(async () => {
    const r = await t.drover.store.get(run.id);
    return r && ['succeeded', 'failed', 'cancelled'].includes(r.state) ? r : undefined;
  }, 'the team pack run to finish', 30_000);
  expect(done.state).toBe('succeeded');
  expect(done.pack).toMatchObject({ name: 'team', version: 'local' });
  expect(output).not.toContain(TOKEN);
  expect(JSON.stringify(await t.drover.audit.read())).not.toContain(TOKEN);
}, 60_000);
