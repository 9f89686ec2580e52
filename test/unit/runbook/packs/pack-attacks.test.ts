import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPacks, type PacksSettings } from '../../../../src/runbook/packs/load-packs.js';
import { cachedRunbookImporter } from '../../../../src/runbook/runbook-cache.js';
import { GitPackError, gitPackCheckout } from '../../../../src/runbook/packs/git-pack.js';
import { GIT_PATH, git, gitRemote } from '../../../support/git-repo.js';

// Packs as an attacker (or a careless config) would try them: real git, a bare repository in a temp dir.

function runbook(id: string): string {
  return `import { defineRunbook, z } from 'drover';\nexport default defineRunbook({ id: ${JSON.stringify(id)}, summary: 's', params: z.object({}), run: () => Promise.resolve() });\n`;
}

describe('runbook packs under attack', () => {
  let work: string;
  const env = { PATH: GIT_PATH, HOME: tmpdir(), GIT_CONFIG_NOSYSTEM: '1' };
  const commit = 'a'.repeat(40);

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'drover-pack-attacks-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  const load = (packs: PacksSettings['packs'], cacheDir = join(work, 'cache')) =>
    loadPacks({ dir: join(work, 'none'), name: 'drover', packs }, { cwd: work, packCacheDir: cacheDir, env, importer: cachedRunbookImporter({ dir: join(work, 'compiled') }) });
  const packProblems = (problems: string[]) => problems.filter((p) => !p.includes('(pack drover)'));

  it('never runs a command named by the URL: ext:: is refused even when the environment allows it, --upload-pack is a path', async () => {
    const checkout = (url: string, extra: Record<string, string> = {}) => gitPackCheckout({ cacheDir: join(work, 'c'), name: 'x', url, commit, env: { ...env, ...extra } });
    await expect(checkout(`ext::sh -c touch% ${work}/ext`, { GIT_ALLOW_PROTOCOL: 'ext:file' })).rejects.toThrow(/transport 'ext' not allowed/);
    await expect(checkout(`--upload-pack=touch ${work}/upload`)).rejects.toThrow(GitPackError);
    await expect(checkout(`ssh://-oProxyCommand=touch%20${work}/proxy/x`)).rejects.toThrow(GitPackError);
    expect([existsSync(join(work, 'ext')), existsSync(join(work, 'upload')), existsSync(join(work, 'proxy'))]).toEqual([false, false, false]);
  });

  it('keeps a token in the URL out of every message, the cause included', async () => {
    const url = 'https://user:s3cretTOKEN@127.0.0.1:1/team/runbooks.git';
    const err = await gitPackCheckout({ cacheDir: join(work, 'c'), name: 'x', url, commit, env }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(GitPackError);
    expect(err?.message).not.toContain('s3cretTOKEN');
    expect(String((err?.cause as Error | undefined)?.message)).toContain('127.0.0.1:1/team/runbooks.git');
    expect(String((err?.cause as Error | undefined)?.message)).not.toContain('s3cretTOKEN');
    const { problems } = await load([{ name: 'team', git: url, commit }]);
    expect(packProblems(problems)).toHaveLength(1);
    expect(problems.join('\n')).not.toContain('s3cretTOKEN');
  });

  it('gives up on a host that does not answer after one timeout, not two, saying so without the token', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const started = Date.now();
      const err = await gitPackCheckout({ cacheDir: join(work, 'c'), name: 'x', url: `http://user:s3cretTOKEN@127.0.0.1:${port}/r.git`, commit, env, timeoutMs: 1500 }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err?.message).toBe('git fetch did not finish within 2s');
      expect(String((err?.cause as Error | undefined)?.message)).not.toContain('s3cretTOKEN');
      expect(Date.now() - started).toBeLessThan(2900);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('loads a commit that only another branch has', async () => {
    const remote = gitRemote(join(work, 'git'));
    remote.commit({ 'runbooks/main.ts': runbook('on-main') }, 'main');
    git(remote.work, 'checkout', '-q', '-b', 'side');
    const side = remote.commit({ 'runbooks/side.ts': runbook('on-side') }, 'side');
    git(remote.work, 'push', '-q', remote.url, 'side');
    const { registry, problems } = await load([{ name: 'team', git: remote.url, commit: side }]);
    expect(packProblems(problems)).toEqual([]);
    expect(registry.list().map((r) => r.id)).toEqual(['on-main', 'on-side']);
  });

  it('does not follow a git pack whose runbooks directory (or a runbook) is a link out of the checkout', async () => {
    const outside = join(work, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'evil.ts'), runbook('evil'));
    const remote = gitRemote(join(work, 'git'));
    symlinkSync(outside, join(remote.work, 'runbooks'));
    mkdirSync(join(remote.work, 'tools'));
    symlinkSync(join(outside, 'evil.ts'), join(remote.work, 'tools', 'evil.ts'));
    const linked = remote.commit({ 'tools/fine.ts': runbook('fine') }, 'links');
    const dir = await load([{ name: 'team', git: remote.url, commit: linked }]);
    expect(dir.registry.list()).toEqual([]);
    expect(packProblems(dir.problems)).toEqual([expect.stringMatching(/cannot read the runbooks directory/)]);
    // The same commit with dir: tools: the linked runbook is a file holding the link's text, which does not load.
    const file = await load([{ name: 'tools', git: remote.url, commit: linked, dir: 'tools' }]);
    expect(file.registry.list().map((r) => r.id)).toEqual(['fine']);
    expect(packProblems(file.problems)).toEqual([expect.stringMatching(/tools\/evil\.ts: failed to load/)]);
  });

  it('a later pack cannot take a runbook id or a chat name: the pack listed first keeps it, the clash names both', async () => {
    const chat = (id: string, name: string) => runbook(id).replace("params: z.object({})", `params: z.object({}), triggers: { chat: ${JSON.stringify(name)} }`);
    mkdirSync(join(work, 'first'));
    mkdirSync(join(work, 'second'));
    mkdirSync(join(work, 'third'));
    writeFileSync(join(work, 'first', 'restart.ts'), runbook('restart'));
    writeFileSync(join(work, 'first', 'deploy-prod.ts'), chat('deploy-prod', 'deploy'));
    writeFileSync(join(work, 'second', 'restart.ts'), runbook('restart'));
    writeFileSync(join(work, 'third', 'evil-restart.ts'), chat('evil-restart', 'restart'));
    writeFileSync(join(work, 'second', 'deploy.ts'), runbook('deploy'));
    const { registry, problems } = await load([
      { name: 'first', path: 'first' },
      { name: 'second', path: 'second' },
      { name: 'third', path: 'third' },
    ]);
    expect(registry.list().map((r) => `${r.id}@${r.pack?.name}`)).toEqual(['deploy-prod@first', 'restart@first']);
    expect(registry.get('restart').pack?.name).toBe('first');
    expect(registry.get('deploy').id).toBe('deploy-prod');
    expect(packProblems(problems).sort()).toEqual([
      'second/deploy.ts (pack second): chat name "deploy" is already used by runbook "deploy-prod" (first/deploy-prod.ts (pack first))',
      'second/restart.ts (pack second): duplicate runbook id "restart" (also in first/restart.ts (pack first))',
      'third/evil-restart.ts (pack third): chat name "restart" is already used by runbook "restart" (first/restart.ts (pack first))',
    ]);
  });

  it('refuses an npm pack whose runbooks directory is a link out of the package', async () => {
    const outside = join(work, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'evil.ts'), runbook('evil'));
    const pkg = join(work, 'node_modules', 'linked');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'linked', version: '1.0.0' }));
    symlinkSync(outside, join(pkg, 'runbooks'));
    const { registry, problems } = await load([{ name: 'linked', npm: 'linked' }]);
    expect(registry.list()).toEqual([]);
    expect(packProblems(problems)).toEqual([`pack linked: cannot be loaded: its runbooks directory "runbooks" is a link to ${outside}, outside the pack`]);
  });

  it("never runs a command a tampered cached checkout's git config names (core.fsmonitor)", async () => {
    const remote = gitRemote(join(work, 'git'));
    const pinned = remote.commit({ 'runbooks/hello.ts': runbook('hello') }, 'first');
    expect(packProblems((await load([{ name: 'team', git: remote.url, commit: pinned }])).problems)).toEqual([]);
    const checkout = join(work, 'cache', 'team', pinned);
    const hook = join(work, 'hook.sh');
    writeFileSync(hook, `#!/bin/sh\ntouch ${join(work, 'pwned')}\n`, { mode: 0o755 });
    git(checkout, 'config', 'core.fsmonitor', hook);
    const { registry } = await load([{ name: 'team', git: remote.url, commit: pinned }]);
    expect(registry.has('hello')).toBe(true);
    expect(existsSync(join(work, 'pwned'))).toBe(false);
  });

  it('refuses a cached checkout with a file the commit does not have (planted, even where .gitignore hides it)', async () => {
    const remote = gitRemote(join(work, 'git'));
    const pinned = remote.commit({ 'runbooks/hello.ts': runbook('hello'), '.gitignore': 'runbooks/local-*.ts\n' }, 'first');
    expect(packProblems((await load([{ name: 'team', git: remote.url, commit: pinned }])).problems)).toEqual([]);
    const checkout = join(work, 'cache', 'team', pinned);
    for (const planted of ['planted.ts', 'local-planted.ts']) {
      writeFileSync(join(checkout, 'runbooks', planted), runbook('planted'));
      const { registry, problems } = await load([{ name: 'team', git: remote.url, commit: pinned }]);
      expect(registry.has('planted')).toBe(false);
      expect(packProblems(problems)).toEqual([expect.stringMatching(/is not a clean checkout of/)]);
      rmSync(join(checkout, 'runbooks', planted));
    }
    expect(packProblems((await load([{ name: 'team', git: remote.url, commit: pinned }])).problems)).toEqual([]);
  });
});
