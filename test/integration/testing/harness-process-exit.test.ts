/**
 * An author's test file is its own process under `node --test`, which waits for
 * it to exit: once close() answers, the harness must hold nothing open, even
 * after a runbook that never returns or a seed it refused (else the file hangs
 * until the runner's timeout and is reported as failed though its tests passed).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { processEnv, runNodeProcess } from '../../support/cli-process.js';
import { REDIS_URL } from '../../support/redis.js';
import { startPrivateRedis } from '../../support/redis-server.js';
import { ROOT } from '../../support/test-drover.js';

const sdk = pathToFileURL(join(ROOT, 'src', 'sdk', 'index.ts')).href;
const testing = pathToFileURL(join(ROOT, 'src', 'testing', 'index.ts')).href;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'drover-harness-exit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `body` as an ES module with the harness imported; the process must end by itself within `timeoutMs`. */
async function script(name: string, body: string, timeoutMs: number, redisUrl = REDIS_URL) {
  const file = join(dir, `${name}.mts`);
  writeFileSync(file, [`import { defineRunbook, z } from '${sdk}';`, `import { runbookHarness } from '${testing}';`, body].join('\n'));
  const started = Date.now();
  const r = await runNodeProcess(['--import', 'tsx', file], processEnv({ REDIS_URL: redisUrl }), timeoutMs);
  return { ...r, ms: Date.now() - started };
}

describe('a test process using the harness ends once close() answers', () => {
  it('after a runbook that never returns (its step ignores the signal)', async () => {
    const r = await script(
      'never-returns',
      `
const stuck = defineRunbook({
  id: 'stuck', summary: 'Never returns', params: z.object({}), timeout: '1h',
  run: (ctx) => ctx.step('forever', () => new Promise(() => {})),
});
const h = await runbookHarness({ runbooks: [stuck], timeoutMs: 1000 });
await h.run('stuck', {}).catch((e) => console.log('run:', e.code));
await h.close();
await h.close();
console.log('closed');
`,
      40_000,
    );
    expect(r.out).toBe('run: harness_timeout\nclosed');
    // Killed at 40 s otherwise (code null): the close waits at most 10 s for a run in progress.
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(25_000);
  }, 45_000);

  it('after a seed it refused, named in a coded error', async () => {
    const r = await script(
      'bad-seed',
      `
const noop = defineRunbook({ id: 'noop', summary: 'Nothing', params: z.object({}), run: async () => undefined });
for (const seed of [[{ kind: 'Deployment' }], [null], [{ apiVersion: 'example.com/v1', kind: 'Gizmo', metadata: { name: 'g' } }]]) {
  await runbookHarness({ runbooks: [noop], seed }).catch((e) => console.log(e.code, e.message));
}
`,
      20_000,
    );
    expect(r.out.split('\n')).toEqual([
      'params_invalid runbookHarness: seed[0] (Deployment) cannot be seeded: seeded Deployment has no metadata.name.',
      "params_invalid runbookHarness: seed[0] (null) cannot be seeded: it is not an object (e.g. { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace } }).",
      'params_invalid runbookHarness: seed[0] (Gizmo g) cannot be seeded: unknown kind or resource "Gizmo".',
    ]);
    expect(r.code).toBe(0);
  }, 25_000);

  it('after Redis went away mid-run: the run is answered within its bound, and close() too', async () => {
    const redis = await startPrivateRedis();
    const ioredis = pathToFileURL(join(ROOT, 'node_modules', 'ioredis', 'built', 'index.js')).href;
    try {
      const r = await script(
        'redis-gone',
        `
import { Redis } from '${ioredis}';
const slow = defineRunbook({
  id: 'slow', summary: 'Takes 3 s', params: z.object({}),
  run: (ctx) => ctx.step('wait', () => new Promise((resolve) => setTimeout(resolve, 3000))),
});
const h = await runbookHarness({ runbooks: [slow], timeoutMs: 5000 });
const run = h.run('slow', {}).then((r) => r.status, (e) => e.code + ': ' + e.message);
await new Promise((resolve) => setTimeout(resolve, 800));
const admin = new Redis(process.env.REDIS_URL);
await admin.call('shutdown', 'nosave').catch(() => undefined);
admin.disconnect();
console.log(await run);
await h.close();
console.log('closed');
`,
        60_000,
        redis.url,
      );
      expect(r.out).toMatch(/^harness_timeout: .*no answer from Redis \(did it stop\?\).*\(waited 5 s; [^)]*\)\.\nclosed$/);
      expect(r.code).toBe(0);
      expect(r.ms).toBeLessThan(25_000);
    } finally {
      await redis.stop();
    }
  }, 65_000);
});
