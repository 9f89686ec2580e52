import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRunbooks } from '../../../src/runbook/registry.js';
import { cachedRunbookImporter } from '../../../src/runbook/runbook-cache.js';
import { compileRunbook } from '../../../src/runbook/runbook-compiler.js';

// A pack published as JavaScript (an npm package built with tsc) is held to what a TypeScript one is:
// its helpers are in the content hash approvals are bound to, and it cannot import past ctx.

function runbook(id: string, head: string, summary = "'s'"): string {
  return `import { defineRunbook, z } from 'drover';\n${head}\nexport default defineRunbook({ id: ${JSON.stringify(id)}, summary: ${summary}, params: z.object({}), run: () => Promise.resolve() });\n`;
}

describe('JavaScript runbooks', () => {
  let work: string;
  let dir: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'drover-js-runbooks-'));
    dir = join(work, 'runbooks');
    mkdirSync(dir);
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  // One importer for the whole test, as one process that reloads keeps one.
  const importer = () => cachedRunbookImporter({ dir: join(work, 'cache') });
  const load = (using = importer()) => loadRunbooks(dir, using, work, { name: 'team', version: '1.0.0', root: work });

  it('bind the content hash to their helpers: a changed helper is another hash, and a reload in the same process runs it', async () => {
    writeFileSync(join(dir, '_target.mjs'), "export const target = 'staging';\n");
    writeFileSync(join(dir, 'deploy.mjs'), runbook('deploy', "import { target } from './_target.mjs';", 'target'));
    const same = importer();
    const before = await load(same);
    expect(before.problems).toEqual([]);
    expect(before.registry.get('deploy').summary).toBe('staging');

    writeFileSync(join(dir, '_target.mjs'), "export const target = 'production';\n");
    const after = await load(same);
    expect(after.registry.get('deploy').summary).toBe('production');
    expect(after.registry.get('deploy').digest).not.toBe(before.registry.get('deploy').digest);
    expect(after.registry.get('deploy').pack?.hash).toBe(after.registry.get('deploy').digest);
  });

  it('a helper edited while the runbook compiles: the cache never serves the old code under the new content', async () => {
    writeFileSync(join(dir, '_target.mjs'), "export const target = 'staging';\n");
    writeFileSync(join(dir, 'deploy.mjs'), runbook('deploy', "import { target } from './_target.mjs';", 'target'));
    // The edit lands after the compiler read the helper and before anything else does.
    const racing = cachedRunbookImporter({
      dir: join(work, 'cache'),
      compile: async (...args) => {
        const compiled = await compileRunbook(...args);
        writeFileSync(join(dir, '_target.mjs'), "export const target = 'production';\n");
        return compiled;
      },
    });
    expect((await load(racing)).registry.get('deploy').summary).toBe('staging');
    // A process started now (the same cache) compiles the helper as it is, not the staging code cached as it.
    const fresh = await load(importer());
    expect(fresh.registry.get('deploy').summary).toBe('production');
  });

  it('cannot import the Kubernetes client or Redis', async () => {
    writeFileSync(join(dir, 'redis.js'), runbook('redis', "import { Redis } from 'ioredis'; void Redis;"));
    writeFileSync(join(dir, 'kube.mjs'), runbook('kube', "import * as k from '@kubernetes/client-node'; void k;"));
    const { registry, problems } = await load();
    expect(registry.list()).toEqual([]);
    expect(problems).toEqual([
      expect.stringMatching(/^runbooks\/kube\.mjs: failed to load: .*runbooks may not import "@kubernetes\/client-node"/),
      expect.stringMatching(/^runbooks\/redis\.js: failed to load: .*runbooks may not import "ioredis"/),
    ]);
  });
});
