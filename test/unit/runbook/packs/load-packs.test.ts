import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { loadPacks, type PacksSettings } from '../../../../src/runbook/packs/load-packs.js';
import { cachedRunbookImporter } from '../../../../src/runbook/runbook-cache.js';
import { gitPackCheckout } from '../../../../src/runbook/packs/git-pack.js';
import { configSchema } from '../../../../src/config/schema.js';
import { GIT_PATH, git, gitRemote } from '../../../support/git-repo.js';

/** A runbook file importing Drover by its package name, as a team's repository does. */
function runbook(id: string, summary = '"s"', head = ''): string {
  return [
    `import { defineRunbook, z } from 'drover';`,
    head,
    `export default defineRunbook({ id: ${JSON.stringify(id)}, summary: ${summary}, params: z.object({}), run: () => Promise.resolve() });`,
    '',
  ].join('\n');
}

function write(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('runbook packs', () => {
  let work: string;
  let cacheDir: string;
  const env = { PATH: GIT_PATH, HOME: tmpdir(), GIT_CONFIG_NOSYSTEM: '1' };

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'drover-packs-test-'));
    cacheDir = join(work, 'pack-cache');
    mkdirSync(join(work, 'runbooks'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  const load = (packs: PacksSettings['packs'], options: { packCacheDir?: string } = {}) =>
    loadPacks(
      { dir: 'runbooks', name: 'drover', packs },
      { cwd: work, packCacheDir: options.packCacheDir ?? cacheDir, env, importer: cachedRunbookImporter({ dir: join(work, 'compiled') }) },
    );

  it('loads a git pack at exactly its pinned commit; a moved branch changes nothing, and an offline start reuses the checkout', async () => {
    const remote = gitRemote(join(work, 'git'));
    const pinned = remote.commit({ 'runbooks/hello.ts': runbook('hello', '"first"', "import { note } from './_note.js'; void note;"), 'runbooks/_note.ts': 'export const note = 1;\n' }, 'first');
    remote.commit({ 'runbooks/hello.ts': runbook('hello', '"moved on"') }, 'second');

    const first = await load([{ name: 'team', git: remote.url, commit: pinned }]);
    expect(first.problems).toEqual([]);
    const hello = first.registry.get('hello');
    expect(hello.summary).toBe('first');
    expect(hello.pack).toEqual({ name: 'team', version: pinned, hash: expect.stringMatching(/^[0-9a-f]{64}$/) as string });
    // The checkout is the commit, outside the working directory's runbooks.
    expect(git(join(cacheDir, 'team', pinned), 'rev-parse', 'HEAD')).toBe(pinned);

    // The branch moves again; a fresh cache fetches the pinned commit, not the branch.
    remote.commit({ 'runbooks/hello.ts': runbook('hello', '"third"') }, 'third');
    const fresh = await load([{ name: 'team', git: remote.url, commit: pinned }], { packCacheDir: join(work, 'other-cache') });
    expect(fresh.registry.get('hello').summary).toBe('first');
    expect(fresh.registry.get('hello').pack).toEqual(hello.pack);

    // Offline: the remote is gone, the cached checkout serves.
    rmSync(remote.url, { recursive: true, force: true });
    const offline = await load([{ name: 'team', git: remote.url, commit: pinned }]);
    expect(offline.problems).toEqual([]);
    expect(offline.registry.get('hello').pack).toEqual(hello.pack);
  });

  it('loads a cached checkout in an image without git (as the chart init container leaves it), and refuses one at another commit', async () => {
    const remote = gitRemote(join(work, 'git'));
    const first = remote.commit({ 'runbooks/hello.ts': runbook('hello', '"first"') }, 'first');
    const second = remote.commit({ 'runbooks/hello.ts': runbook('hello', '"second"') }, 'second');
    expect((await load([{ name: 'team', git: remote.url, commit: first }])).problems).toEqual([]);
    const noGit = (packs: PacksSettings['packs']) =>
      loadPacks({ dir: 'runbooks', name: 'drover', packs }, { cwd: work, packCacheDir: cacheDir, env: { PATH: join(work, 'no-bin') }, importer: cachedRunbookImporter({ dir: join(work, 'compiled') }) });
    const loaded = await noGit([{ name: 'team', git: remote.url, commit: first }]);
    expect(loaded.problems).toEqual([]);
    expect(loaded.registry.get('hello').pack?.version).toBe(first);
    // Without git, an uncached commit cannot be fetched: a problem naming the pack, not a crash.
    expect((await noGit([{ name: 'team', git: remote.url, commit: second }])).problems).toEqual(['pack team: cannot be loaded: git is not installed']);
    // A checkout edited in place is not the pinned commit any more: refused.
    writeFileSync(join(cacheDir, 'team', first, 'runbooks', 'hello.ts'), runbook('hello', '"edited"'));
    expect((await load([{ name: 'team', git: remote.url, commit: first }])).problems).toEqual([
      `pack team: cannot be loaded: the cached checkout ${join(cacheDir, 'team', first)} is not a clean checkout of ${first}; remove it to fetch the pack again`,
    ]);
  });

  it('reports an unreachable git pack, or a commit the repository lacks, and loads the other packs', async () => {
    write(join(work, 'runbooks'), { 'shipped.ts': runbook('shipped') });
    const remote = gitRemote(join(work, 'git'));
    remote.commit({ 'runbooks/a.ts': runbook('a') }, 'first');
    const { registry, problems } = await load([
      { name: 'gone', git: join(work, 'no-such-repo.git'), commit: 'a'.repeat(40) },
      { name: 'missing-commit', git: remote.url, commit: 'b'.repeat(40) },
    ]);
    expect(registry.list().map((r) => r.id)).toEqual(['shipped']);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^pack gone: cannot be loaded: /);
    expect(problems[1]).toMatch(/^pack missing-commit: cannot be loaded: commit b{40} is not in /);
  });

  it('refuses a git ref that is not a full commit sha, in the config and in the fetcher', async () => {
    const parsed = configSchema.safeParse({ runbooks: { packs: [{ name: 'team', git: 'https://example.com/r.git', commit: 'main' }] } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/full 40-hex commit sha/);
    expect(configSchema.safeParse({ runbooks: { packs: [{ name: 'team', git: 'https://example.com/r.git' }] } }).error?.issues[0]?.message).toMatch(/is required with git/);
    await expect(gitPackCheckout({ cacheDir, name: 'team', url: 'x', commit: 'abc1234', env })).rejects.toThrow(/not a full 40-hex commit sha/);
  });

  it('rejects two packs with one name, and a pack with two sources', () => {
    const two = configSchema.safeParse({ runbooks: { packs: [{ name: 'drover', path: 'x' }] } });
    expect(two.error?.issues[0]?.message).toMatch(/"drover" names two packs/);
    const both = configSchema.safeParse({ runbooks: { packs: [{ name: 'x', path: 'x', npm: 'y' }] } });
    expect(both.error?.issues[0]?.message).toMatch(/exactly one of path, npm or git/);
  });

  it('loads an npm pack from node_modules, with the version and runbooks directory its package.json declares', async () => {
    const pkg = join(work, 'node_modules', '@team', 'runbooks');
    write(pkg, {
      'package.json': JSON.stringify({ name: '@team/runbooks', version: '1.4.2', drover: { runbooks: 'lib/runbooks' } }),
      'lib/runbooks/payments-restart.ts': runbook('payments-restart'),
    });
    const { registry, problems } = await load([{ name: 'payments', npm: '@team/runbooks' }]);
    expect(problems).toEqual([]);
    const rb = registry.get('payments-restart');
    expect(rb.pack).toEqual({ name: 'payments', version: '1.4.2', hash: sha256(runbook('payments-restart')) });
    expect(rb.digest).toBe(rb.pack?.hash);

    const pinned = await load([{ name: 'payments', npm: '@team/runbooks', version: '1.5.0' }]);
    expect(pinned.problems).toEqual(['pack payments: cannot be loaded: npm package @team/runbooks is installed at version 1.4.2, not 1.5.0 (npm install @team/runbooks@1.5.0)']);
    // The chart installs npm packs into the pack cache.
    const chart = join(work, 'chart-packs');
    write(join(chart, 'npm', 'node_modules', 'chart-pack'), { 'package.json': JSON.stringify({ name: 'chart-pack', version: '2.0.0' }), 'runbooks/from-chart.ts': runbook('from-chart') });
    const installed = await load([{ name: 'chart', npm: 'chart-pack', version: '2.0.0' }], { packCacheDir: chart });
    expect(installed.problems).toEqual([]);
    expect(installed.registry.get('from-chart').pack?.version).toBe('2.0.0');

    const absent = await load([{ name: 'other', npm: '@team/absent' }]);
    expect(absent.problems).toEqual(['pack other: cannot be loaded: npm package @team/absent is not installed (npm install @team/absent)']);
  });

  it('refuses an npm pack whose runbooks directory leaves the package', async () => {
    write(join(work, 'node_modules', 'sneaky'), { 'package.json': JSON.stringify({ name: 'sneaky', version: '1.0.0', drover: { runbooks: '../../runbooks' } }) });
    const { problems } = await load([{ name: 'sneaky', npm: 'sneaky' }]);
    expect(problems).toEqual(['pack sneaky: cannot be loaded: its runbooks directory "../../runbooks" is outside the pack']);
  });

  it('reports an id used by two packs, naming both; the pack listed first keeps it', async () => {
    write(join(work, 'runbooks'), { 'restart.ts': runbook('restart', '"shipped"') });
    write(join(work, 'team'), { 'restart.ts': runbook('restart', '"team"'), 'other.ts': runbook('other') });
    const { registry, problems } = await load([{ name: 'team', path: 'team' }]);
    expect(registry.get('restart').summary).toBe('shipped');
    expect(registry.has('other')).toBe(true);
    expect(problems).toEqual(['team/restart.ts (pack team): duplicate runbook id "restart" (also in runbooks/restart.ts (pack drover))']);
  });

  it('reports a broken runbook of a pack and loads the rest', async () => {
    write(join(work, 'team'), { 'good.ts': runbook('good'), 'broken.ts': 'export default {' });
    const { registry, problems } = await load([{ name: 'team', path: 'team' }]);
    expect(registry.list().map((r) => r.id)).toEqual(['good']);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^team\/broken\.ts: failed to load: .*\(pack team\)$/);
  });

  it('hashes a runbook with the helpers it bundles: a helper change changes the hash, another location does not', async () => {
    const files = { 'hello.ts': runbook('hello', '"s"', "import { greeting } from './lib/_greeting.js'; void greeting;"), 'lib/_greeting.ts': "export const greeting = 'hi';\n" };
    write(join(work, 'a'), files);
    write(join(work, 'b'), files);
    const packs = [{ name: 'a', path: 'a' }];
    const a = (await load(packs)).registry.get('hello');
    const b = (await load([{ name: 'a', path: 'b' }])).registry.get('hello');
    expect(a.pack).toEqual({ name: 'a', version: 'local', hash: expect.stringMatching(/^[0-9a-f]{64}$/) as string });
    // Not the file's own digest: the helper is part of it.
    expect(a.digest).not.toBe(sha256(files['hello.ts']));
    expect(b.digest).toBe(a.digest);
    write(join(work, 'a'), { 'lib/_greeting.ts': "export const greeting = 'hello';\n" });
    expect((await load(packs)).registry.get('hello').digest).not.toBe(a.digest);
  });
});
