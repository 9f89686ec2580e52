/**
 * Runbook packs in the chart (runbooks.packs): init containers fill an
 * emptyDir the Drover containers read only (no ConfigMap, so no 1 MiB limit),
 * rendered by the real Helm, validated against the Kubernetes schemas, with a
 * configuration Drover's own loader accepts; and the git init container's own
 * script, run with real sh and git, leaves a checkout Drover loads at the
 * pinned commit without git.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helmTemplate } from '../../support/helm.js';
import { GIT_PATH, gitRemote } from '../../support/git-repo.js';
import { loadPacks } from '../../../src/runbook/packs/load-packs.js';
import { cachedRunbookImporter } from '../../../src/runbook/runbook-cache.js';
import { droverConfigOf, droverContainer, droverWorkloads, render, schemaProblems, unknownFields, type Container, type Workload } from './objects.js';

const PINNED = '0123456789abcdef0123456789abcdef01234567';
const PRIVATE = '89abcdef0123456789abcdef0123456789abcdef';
const PACKS = {
  runbooks: {
    packs: [
      { name: 'payments', git: 'https://github.com/acme/payments-runbooks.git', commit: PINNED },
      { name: 'private', git: 'https://gitlab.example.com/sre/runbooks.git', commit: PRIVATE, existingSecret: 'runbooks-git', dir: 'ops/runbooks' },
      { name: 'platform', npm: '@acme/platform-runbooks', version: '1.4.2' },
      { name: 'baked', path: '/opt/runbooks' },
    ],
  },
};

type PackPod = Workload['spec']['template']['spec'] & { initContainers?: Array<Container & { command?: string[] }> };
const podOf = (w: Workload) => w.spec.template.spec as PackPod;
const initOf = (w: Workload, name: string) => {
  const found = podOf(w).initContainers?.find((c) => c.name === name);
  if (!found) throw new Error(`${w.metadata.name} has no init container ${name}`);
  return found;
};

describe('chart: runbook packs', () => {
  it('installs git and npm packs with init containers into an emptyDir the Drover containers read only', async () => {
    const r = await render(PACKS);
    expect(schemaProblems(r.objects)).toEqual([]);
    expect(unknownFields(r.objects)).toEqual([]);
    const workloads = droverWorkloads(r);
    expect(workloads.length).toBeGreaterThan(0);
    for (const w of workloads) {
      expect(podOf(w).initContainers?.map((c) => c.name)).toEqual(['packs-git', 'packs-npm']);
      const git = initOf(w, 'packs-git');
      expect(git.image).toBe('docker.io/alpine/git:v2.47.2');
      // Values are arguments of the script, never part of its text.
      expect(git.args).toEqual(['payments', 'https://github.com/acme/payments-runbooks.git', PINNED, '', 'private', 'https://gitlab.example.com/sre/runbooks.git', PRIVATE, '1']);
      expect(git.command?.[2]).not.toContain('acme');
      // The token comes from the Secret only, for the pack that names it.
      expect(git.env?.filter((e) => e.valueFrom)).toEqual([
        { name: 'PACK_TOKEN_1', valueFrom: { secretKeyRef: { name: 'runbooks-git', key: 'token' } } },
        { name: 'PACK_USER_1', valueFrom: { secretKeyRef: { name: 'runbooks-git', key: 'username', optional: true } } },
      ]);
      const npm = initOf(w, 'packs-npm');
      expect(npm.image).toBe(droverContainer(w).image);
      expect(npm.args).toEqual(['@acme/platform-runbooks@1.4.2']);
      expect(npm.command?.[2]).toContain('--ignore-scripts');
      for (const c of [git, npm]) {
        expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
        expect(c.volumeMounts).toEqual([
          { name: 'packs', mountPath: '/packs' },
          { name: 'tmp', mountPath: '/tmp' },
        ]);
      }
      expect(droverContainer(w).volumeMounts).toContainEqual({ name: 'packs', mountPath: '/packs', readOnly: true });
      expect(podOf(w).volumes).toContainEqual({ name: 'packs', emptyDir: { sizeLimit: '512Mi' } });
      expect(podOf(w).volumes?.some((v) => v.configMap?.name.includes('runbook'))).toBe(false);

      const { config } = droverConfigOf(r, w);
      expect(config.runbooks).toMatchObject({
        dir: 'runbooks',
        name: 'drover',
        packCacheDir: '/packs',
        packs: [
          { name: 'payments', git: 'https://github.com/acme/payments-runbooks.git', commit: PINNED },
          { name: 'private', git: 'https://gitlab.example.com/sre/runbooks.git', commit: PRIVATE, dir: 'ops/runbooks' },
          { name: 'platform', npm: '@acme/platform-runbooks', version: '1.4.2' },
          { name: 'baked', path: '/opt/runbooks' },
        ],
      });
    }
  });

  it('adds nothing without packs, and no init container for path packs alone', async () => {
    for (const values of [{}, { runbooks: { packs: [{ name: 'baked', path: '/opt/runbooks' }] } }]) {
      const r = await render(values);
      for (const w of droverWorkloads(r)) {
        expect(podOf(w).initContainers).toBeUndefined();
        expect(podOf(w).volumes?.some((v) => v.name === 'packs')).toBe(false);
      }
    }
  });

  it.each([
    ['a branch instead of a commit', { name: 'team', git: 'https://example.com/r.git', commit: 'main' }],
    ['a short sha', { name: 'team', git: 'https://example.com/r.git', commit: '0123456' }],
    ['an npm pack without an exact version', { name: 'team', npm: '@acme/runbooks' }],
    ['an npm version range', { name: 'team', npm: '@acme/runbooks', version: '^1.4.0' }],
    ['a name that is no kebab-case word', { name: 'Team Pack', path: '/x' }],
    ['a name running a command', { name: '$(touch /tmp/pwned)', path: '/x' }],
    ['a git URL that is an option', { name: 'team', git: '--upload-pack=touch /tmp/pwned', commit: PINNED }],
    ['an ext:: transport (runs a command)', { name: 'team', git: 'ext::sh -c touch% /tmp/pwned', commit: PINNED }],
    ['a git URL with a newline', { name: 'team', git: 'https://example.com/r.git\ntouch /tmp/pwned', commit: PINNED }],
    ['a token in a git URL (existingSecret keeps it out of the pod spec)', { name: 'team', git: 'https://x-access-token:ghp_secret@github.com/acme/r.git', commit: PINNED }],
    ['a user in an https git URL', { name: 'team', git: 'https://ghp_secret@github.com/acme/r.git', commit: PINNED }],
    ['a git dir leaving the checkout', { name: 'team', git: 'https://example.com/r.git', commit: PINNED, dir: 'tools/../../etc' }],
    ['a git dir that is ..', { name: 'team', git: 'https://example.com/r.git', commit: PINNED, dir: '..' }],
  ])('refuses %s (values schema)', async (_what, pack) => {
    await expect(helmTemplate({ values: [{ runbooks: { packs: [pack] } }] })).rejects.toThrow(/values don't meet the specifications of the schema/);
  });

  it('takes the git URLs and dirs people write', async () => {
    const packs = [
      'https://github.com/acme/r.git',
      'ssh://git@github.com/acme/r.git',
      'git@github.com:acme/r.git',
      'git://example.com/r.git',
      'file:///srv/git/r.git',
    ].map((git, i) => ({ name: `p${i}`, git, commit: PINNED, dir: i % 2 ? 'tools/runbooks/' : '.drover/runbooks' }));
    const r = await render({ runbooks: { packs } });
    expect(initOf(droverWorkloads(r)[0]!, 'packs-git').args).toHaveLength(4 * packs.length);
  });

  it("the git init container's script takes a URL with shell in it as a URL, and checks links out as files", async () => {
    const work = mkdtempSync(join(tmpdir(), 'drover-chart-packs-'));
    try {
      const remote = gitRemote(join(work, 'git'));
      symlinkSync('/etc', join(remote.work, 'runbooks'));
      const linked = remote.commit({ README: 'links\n' }, 'a link out');
      // The schema lets these through (no whitespace, no transport): quotes and $(...) must reach git as text.
      const hostile = `${remote.url}$(touch${'$'}{IFS}${work}/pwned)'"\`touch${'$'}{IFS}${work}/pwned2\``;
      const r = await render({ runbooks: { packs: [{ name: 'team', git: remote.url, commit: linked }, { name: 'odd', git: hostile, commit: PINNED }] } });
      const git = initOf(droverWorkloads(r)[0]!, 'packs-git');
      expect(git.args).toContain(hostile);
      const [shell, dashC, script, argv0] = git.command ?? [];
      const packs = join(work, 'packs');
      const env = { PATH: GIT_PATH, HOME: work, GIT_CONFIG_NOSYSTEM: '1', PACKS: packs, GIT_ALLOW_PROTOCOL: 'file' };
      const result = spawnSync(shell!, [dashC!, script!, argv0!, ...(git.args ?? [])], { env, encoding: 'utf8', timeout: 60_000 });
      // The second pack cannot be fetched (no such repository), and nothing ran.
      expect(result.stderr).toMatch(/does not appear to be a git repository|not found/);
      expect(result.stderr).toContain(`pack odd: cannot fetch ${PINNED}`);
      expect(existsSync(join(work, 'pwned'))).toBe(false);
      expect(existsSync(join(work, 'pwned2'))).toBe(false);
      // The link out of the checkout is a plain file there.
      expect(lstatSync(join(packs, 'team', linked, 'runbooks')).isFile()).toBe(true);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("the git init container's script fetches the packs it can and names the one it cannot: Drover starts without it", async () => {
    const work = mkdtempSync(join(tmpdir(), 'drover-chart-packs-'));
    try {
      const remote = gitRemote(join(work, 'git'));
      const runbook = `import { defineRunbook, z } from 'drover';\nexport default defineRunbook({ id: 'team-hello', summary: 's', params: z.object({}), run: () => Promise.resolve() });\n`;
      const pinned = remote.commit({ 'runbooks/team-hello.ts': runbook }, 'first');
      const packsValues = [
        { name: 'down', git: join(work, 'no-such-repository.git'), commit: PINNED },
        { name: 'team', git: remote.url, commit: pinned },
      ];
      const r = await render({ runbooks: { packs: packsValues } });
      const git = initOf(droverWorkloads(r)[0]!, 'packs-git');
      const [shell, dashC, script, argv0] = git.command ?? [];
      const packs = join(work, 'packs');
      const result = spawnSync(shell!, [dashC!, script!, argv0!, ...(git.args ?? [])], { env: { PATH: GIT_PATH, HOME: work, GIT_CONFIG_NOSYSTEM: '1', PACKS: packs }, encoding: 'utf8', timeout: 60_000 });
      expect(result.status).toBe(0);
      expect(result.stdout).toBe(`pack team: ${pinned}\n`);
      expect(result.stderr).toContain(`pack down: cannot fetch ${PINNED}; Drover starts without it`);
      expect(existsSync(join(packs, 'down', PINNED))).toBe(false);

      mkdirSync(join(work, 'shipped'));
      const loaded = await loadPacks(
        { dir: 'shipped', name: 'drover', packs: packsValues },
        { cwd: work, packCacheDir: packs, env: { PATH: join(work, 'no-git-here') }, importer: cachedRunbookImporter({ dir: join(work, 'compiled') }) },
      );
      expect(loaded.registry.get('team-hello').pack?.version).toBe(pinned);
      expect(loaded.problems).toEqual([expect.stringMatching(/^pack down: cannot be loaded: git is not installed/)]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("the git init container's script leaves a checkout of the pinned commit that Drover loads without git", async () => {
    const work = mkdtempSync(join(tmpdir(), 'drover-chart-packs-'));
    try {
      const remote = gitRemote(join(work, 'git'));
      const runbook = (summary: string) =>
        `import { defineRunbook, z } from 'drover';\nexport default defineRunbook({ id: 'team-hello', summary: ${JSON.stringify(summary)}, params: z.object({}), run: () => Promise.resolve() });\n`;
      const pinned = remote.commit({ 'runbooks/team-hello.ts': runbook('pinned') }, 'first');
      remote.commit({ 'runbooks/team-hello.ts': runbook('branch moved on') }, 'second');

      const r = await render({ runbooks: { packs: [{ name: 'team', git: remote.url, commit: pinned }] } });
      const git = initOf(droverWorkloads(r)[0]!, 'packs-git');
      const [shell, dashC, script, argv0] = git.command ?? [];
      const packs = join(work, 'packs');
      const env = { PATH: GIT_PATH, HOME: work, GIT_CONFIG_NOSYSTEM: '1', PACKS: packs };
      const run = () => execFileSync(shell!, [dashC!, script!, argv0!, ...(git.args ?? [])], { env, encoding: 'utf8', timeout: 60_000 });
      expect(run()).toBe(`pack team: ${pinned}\n`);
      // A restarted init container finds the checkout and leaves it.
      expect(run()).toBe('');

      mkdirSync(join(work, 'shipped'));
      const loaded = await loadPacks(
        { dir: 'shipped', name: 'drover', packs: [{ name: 'team', git: remote.url, commit: pinned }] },
        { cwd: work, packCacheDir: packs, env: { PATH: join(work, 'no-git-here') }, importer: cachedRunbookImporter({ dir: join(work, 'compiled') }) },
      );
      expect(loaded.problems).toEqual([]);
      expect(loaded.registry.get('team-hello').summary).toBe('pinned');
      expect(loaded.registry.get('team-hello').pack?.version).toBe(pinned);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
