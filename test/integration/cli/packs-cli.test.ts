import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../../src/cli/output.js';
import { drover } from '../../support/cli.js';
import { GIT_PATH, gitRemote } from '../../support/git-repo.js';

const runbook = (id: string) =>
  `import { defineRunbook, z } from 'drover';\nexport default defineRunbook({ id: ${JSON.stringify(id)}, summary: 'from a pack', params: z.object({}), run: () => Promise.resolve() });\n`;

describe('drover runbooks with packs', () => {
  let work: string;
  let commit: string;
  let env: Record<string, string>;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'drover-packs-cli-'));
    const remote = gitRemote(join(work, 'git'));
    commit = remote.commit({ 'package.json': JSON.stringify({ name: 'payments-runbooks', drover: { runbooks: 'ops' } }), 'ops/payments-restart.ts': runbook('payments-restart') }, 'payments');
    mkdirSync(join(work, 'team'));
    // restart-deployment is a shipped runbook's id: a clash.
    writeFileSync(join(work, 'team', 'restart-deployment.ts'), runbook('restart-deployment'));
    writeFileSync(join(work, 'team', 'team-only.ts'), runbook('team-only'));
    const config = join(work, 'config.yaml');
    writeFileSync(
      config,
      JSON.stringify({ runbooks: { packs: [{ name: 'payments', git: remote.url, commit }, { name: 'team', path: join(work, 'team') }], packCacheDir: join(work, 'cache') } }),
    );
    env = { DROVER_CONFIG: config, PATH: GIT_PATH, HOME: work };
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('list shows each runbook with its pack, and a clash between packs naming both', async () => {
    const r = await drover(undefined, ['runbooks', 'list'], env);
    expect(r.code).toBe(EXIT.failed);
    expect(r.out).toMatch(new RegExp(`payments-restart +from a pack\\n +risk: medium; params: none; pack: payments@${commit.slice(0, 12)}`));
    expect(r.out).toMatch(/team-only +from a pack\n +risk: medium; params: none; pack: team@local/);
    expect(r.out).toMatch(/restart-deployment +Rolling restart[^\n]*\n[^\n]*pack: drover@local/);
    expect(r.err).toMatch(/invalid: .*team\/restart-deployment\.ts \(pack team\): duplicate runbook id "restart-deployment" \(also in runbooks\/restart-deployment\.ts \(pack drover\)\)/);
  });

  it('validate checks every pack', async () => {
    const r = await drover(undefined, ['runbooks', 'validate'], env);
    expect(r.code).toBe(EXIT.failed);
    expect(r.out).toMatch(/^\d+ runbook\(s\) valid, 1 problem\(s\) in packs drover \(.*\), payments \(.*\/ops\), team \(.*\)$/);
  });

  it("policy check knows a pack's runbooks", async () => {
    const policy = join(work, 'policy.yaml');
    writeFileSync(policy, "groups:\n  team: ['cli:alice']\nrules:\n  - groups: [team]\n    runbooks: [payments-restart]\n    clusters: ['*']\n");
    const r = await drover(undefined, ['policy', 'check', 'cli:alice', 'payments-restart', '--cluster', 'prod'], { ...env, DROVER_POLICY: policy });
    expect(r.err).not.toMatch(/Unknown runbook/);
    expect(r.out).toMatch(/Decision:\s+ALLOWED by rules\[0\]/);
    expect(r.code).toBe(0);
  });

  it('refuses a git pack pinned to a branch, before loading anything', async () => {
    const config = join(work, 'branch.yaml');
    writeFileSync(config, JSON.stringify({ runbooks: { packs: [{ name: 'payments', git: 'https://example.com/r.git', commit: 'main' }] } }));
    const r = await drover(undefined, ['runbooks', 'list'], { ...env, DROVER_CONFIG: config });
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/runbooks\.packs\.0\.commit.*must be a full 40-hex commit sha/);
  });
});
