import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPacks } from '../../../../src/runbook/packs/load-packs.js';
import { watchPacks, type ReloadReport, type RunbookWatcher } from '../../../../src/runbook/packs/watch-packs.js';
import { cachedRunbookImporter } from '../../../../src/runbook/runbook-cache.js';
import type { RunbookRegistry } from '../../../../src/runbook/registry.js';
import { waitFor } from '../../../support/wait-for.js';
import { AlertRoutes } from '../../../../src/alertmanager/alert-routes.js';

function runbook(id: string, summary: string, head = ''): string {
  return [
    `import { defineRunbook, z } from 'drover';`,
    head,
    `export default defineRunbook({ id: ${JSON.stringify(id)}, summary: ${JSON.stringify(summary)}, params: z.object({}), run: () => Promise.resolve() });`,
    '',
  ].join('\n');
}

describe('reloading runbooks when their files change', () => {
  let work: string;
  let dir: string;
  let registry: RunbookRegistry;
  let watcher: RunbookWatcher;
  let reports: ReloadReport[];

  beforeEach(async () => {
    work = mkdtempSync(join(tmpdir(), 'drover-watch-test-'));
    dir = join(work, 'runbooks');
    mkdirSync(join(dir, 'lib'), { recursive: true });
    writeFileSync(join(dir, 'lib', '_words.ts'), "export const word = 'one';\n");
    writeFileSync(join(dir, 'alpha.ts'), runbook('alpha', 'alpha one'));
    writeFileSync(join(dir, 'beta.ts'), runbook('beta', 'beta one', "import { word } from './lib/_words.js'; void word;"));
    const importer = cachedRunbookImporter({ dir: join(work, 'compiled') });
    const loaded = await loadPacks({ dir: 'runbooks', name: 'drover', packs: [] }, { cwd: work, packCacheDir: join(work, 'packs'), env: {}, importer });
    expect(loaded.problems).toEqual([]);
    registry = loaded.registry;
    reports = [];
    watcher = watchPacks({ packs: loaded.packs, registry, importer, displayRoot: work, debounceMs: 50, onReload: (r) => reports.push(r) });
  });

  afterEach(() => {
    watcher.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** The next reload's report (bounded). */
  async function nextReload(change: () => void): Promise<ReloadReport> {
    const seen = reports.length;
    change();
    const report = await waitFor(() => reports[seen], 'a reload', 10_000);
    await watcher.idle();
    return report;
  }

  it('serves a changed runbook; a run queued with the old version still finds it by its hash', async () => {
    const before = registry.get('alpha');
    const report = await nextReload(() => writeFileSync(join(dir, 'alpha.ts'), runbook('alpha', 'alpha two')));
    expect(report).toMatchObject({ changed: ['alpha'], added: [], removed: [], kept: [], problems: [] });
    expect(registry.get('alpha').summary).toBe('alpha two');
    expect(registry.get('alpha').pack?.hash).not.toBe(before.pack?.hash);
    // The version a run was queued (and approved) with stays reachable by its content hash.
    expect(registry.get('alpha', before.digest).summary).toBe('alpha one');
    expect(registry.get('alpha', registry.get('alpha').digest).summary).toBe('alpha two');
  });

  it('a changed helper is a changed runbook', async () => {
    const before = registry.get('beta').digest;
    const report = await nextReload(() => writeFileSync(join(dir, 'lib', '_words.ts'), "export const word = 'two';\n"));
    expect(report.changed).toEqual(['beta']);
    expect(registry.get('beta').digest).not.toBe(before);
  });

  it('a change that breaks a runbook keeps its last good version and reports the problem', async () => {
    const report = await nextReload(() => writeFileSync(join(dir, 'beta.ts'), 'export default defineRunbook({'));
    expect(report.kept).toEqual(['beta']);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatch(/^runbooks\/beta\.ts: failed to load: .*\(pack drover\)$/);
    expect(registry.get('beta').summary).toBe('beta one');

    const fixed = await nextReload(() => writeFileSync(join(dir, 'beta.ts'), runbook('beta', 'beta fixed')));
    expect(fixed).toMatchObject({ changed: ['beta'], kept: [], problems: [] });
    expect(registry.get('beta').summary).toBe('beta fixed');
  });

  it('a removed runbook disappears; a new one appears', async () => {
    const removed = await nextReload(() => unlinkSync(join(dir, 'alpha.ts')));
    expect(removed).toMatchObject({ removed: ['alpha'], kept: [], problems: [] });
    expect(registry.has('alpha')).toBe(false);
    const added = await nextReload(() => writeFileSync(join(dir, 'gamma.ts'), runbook('gamma', 'gamma')));
    expect(added).toMatchObject({ added: ['gamma'], removed: [], problems: [] });
    expect(registry.list().map((r) => r.id)).toEqual(['beta', 'gamma']);
  });

  it('alert routes follow a reload', async () => {
    const routes = new AlertRoutes(registry);
    const alert = { labels: { alertname: 'DiskFull' }, annotations: {} };
    expect(routes.match(alert)).toEqual([]);
    const withAlert = runbook('gamma', 'gamma').replace("params: z.object({})", "params: z.object({}), triggers: { alerts: [{ alertname: 'DiskFull', params: {} }] }");
    await nextReload(() => writeFileSync(join(dir, 'gamma.ts'), withAlert));
    expect(routes.match(alert).map((r) => r.runbook.id)).toEqual(['gamma']);
  });

  it('several writes in quick succession make one reload', async () => {
    const seen = reports.length;
    for (let i = 0; i < 5; i++) writeFileSync(join(dir, 'alpha.ts'), runbook('alpha', `alpha ${i}`));
    await waitFor(() => reports[seen], 'a reload', 10_000);
    await watcher.idle();
    await new Promise((r) => setTimeout(r, 200));
    expect(reports.length - seen).toBe(1);
    expect(registry.get('alpha').summary).toBe('alpha 4');
  });
});
