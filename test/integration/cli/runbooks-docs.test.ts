import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../../src/cli/output.js';
import { drover } from '../../support/cli.js';
import { ROOT } from '../../support/test-drover.js';

// The catalogue is generated, so the committed copy is only worth reading while it matches the runbooks.
describe('drover runbooks docs', () => {
  it('docs/runbooks.md matches the shipped runbooks', async () => {
    const r = await drover(undefined, ['runbooks', 'docs']);
    expect(r.code).toBe(EXIT.ok);
    const committed = await readFile(join(ROOT, 'docs', 'runbooks.md'), 'utf8');
    if (`${r.out}\n` !== committed) {
      throw new Error('docs/runbooks.md is stale: the runbook definitions changed. Regenerate it with `npm run runbooks:docs` (npx drover runbooks docs --out docs/runbooks.md) and commit it.');
    }
  });

  it('--out writes the same catalogue to a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drover-docs-'));
    try {
      const file = join(dir, 'catalogue.md');
      const r = await drover(undefined, ['runbooks', 'docs', '--out', file]);
      expect(r.code).toBe(EXIT.ok);
      expect(r.out).toBe('');
      // One per shipped runbook (runbooks/*.ts but their tests).
      const shipped = readdirSync(join(ROOT, 'runbooks')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).length;
      expect(r.err).toMatch(new RegExp(`wrote ${shipped} runbook\\(s\\) to .*catalogue\\.md`));
      expect(await readFile(file, 'utf8')).toBe(await readFile(join(ROOT, 'docs', 'runbooks.md'), 'utf8'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes nothing and fails when a runbook is broken', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drover-docs-'));
    try {
      const file = join(dir, 'catalogue.md');
      const r = await drover(undefined, ['runbooks', 'docs', '--out', file], { DROVER_RUNBOOKS_DIR: join(ROOT, 'test', 'fixtures', 'runbooks-bad') });
      expect(r.code).toBe(EXIT.failed);
      expect(r.err).toMatch(/invalid: /);
      await expect(readFile(file, 'utf8')).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
