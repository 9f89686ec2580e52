import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPacks } from '../../../../src/runbook/packs/load-packs.js';
import { watchPacks, type ReloadReport } from '../../../../src/runbook/packs/watch-packs.js';
import { cachedRunbookImporter } from '../../../../src/runbook/runbook-cache.js';
import { waitFor } from '../../../support/wait-for.js';

function runbook(id: string, summary: string): string {
  return `import { defineRunbook, z } from 'drover';\nexport default defineRunbook({ id: ${JSON.stringify(id)}, summary: ${JSON.stringify(summary)}, params: z.object({}), run: () => Promise.resolve() });\n`;
}

describe('a reload while a runbook is broken', () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'drover-watch-shadow-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it("keeps the broken runbook's last good version under its id: another pack's runbook of that id does not take over", async () => {
    mkdirSync(join(work, 'runbooks'));
    mkdirSync(join(work, 'other'));
    writeFileSync(join(work, 'runbooks', 'restart.ts'), runbook('restart', 'ours'));
    writeFileSync(join(work, 'other', 'restart.ts'), runbook('restart', 'theirs'));
    const importer = cachedRunbookImporter({ dir: join(work, 'compiled') });
    const loaded = await loadPacks({ dir: 'runbooks', name: 'drover', packs: [{ name: 'other', path: 'other' }] }, { cwd: work, packCacheDir: join(work, 'packs'), env: {}, importer });
    expect(loaded.registry.get('restart').summary).toBe('ours');
    const reports: ReloadReport[] = [];
    const watcher = watchPacks({ packs: loaded.packs, registry: loaded.registry, importer, displayRoot: work, debounceMs: 50, onReload: (r) => reports.push(r) });
    try {
      writeFileSync(join(work, 'runbooks', 'restart.ts'), 'export default {');
      const report = await waitFor(() => reports[0], 'a reload', 10_000);
      await watcher.idle();
      expect(report.kept).toEqual(['restart']);
      expect(loaded.registry.get('restart').summary).toBe('ours');
      expect(loaded.registry.get('restart').pack?.name).toBe('drover');
      expect(report.problems).toEqual(
        expect.arrayContaining([expect.stringMatching(/^runbooks\/restart\.ts: failed to load/), expect.stringMatching(/^other\/restart\.ts \(pack other\): duplicate runbook id "restart" \(also in runbooks\/restart\.ts \(pack drover\)\)$/)]),
      );
    } finally {
      watcher.close();
    }
  });
});
