/**
 * GitOps in the compose stack, checked by the real docker-compose: the
 * commented token mount in docker-compose.yml, once uncommented (as
 * docs/compose.md says), resolves onto the worker only, read-only, at the
 * path the documented configuration's tokenFile names; DROVER_CONFIG reaches
 * both processes; and Drover's own loader accepts that configuration.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config/load-config.js';
import { ROOT, requireTool, run, toolEnv, type ComposeFile, type ComposeService } from './tools.js';

const CONFIG_PATH = '/etc/drover/config.yaml';

/** The example volume line, commented out in docker-compose.yml's worker. */
async function exampleTokenVolume(): Promise<string> {
  const text = await readFile(join(ROOT, 'docker-compose.yml'), 'utf8');
  const line = text.split('\n').find((l) => /^\s*#\s+- \.\/[^\s]*gitops[^\s]*:\/[^\s]*\/token:ro\s*$/.test(l));
  if (!line) throw new Error('docker-compose.yml has no commented GitOps token volume');
  return line.replace(/^\s*#\s+- /, '').trim();
}

/** The ```yaml block of docs/compose.md that configures gitops. */
async function documentedConfig(): Promise<string> {
  const text = await readFile(join(ROOT, 'docs', 'compose.md'), 'utf8');
  const block = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!.replace(/^ {3}/gm, '')).find((b) => b.startsWith('gitops:'));
  if (!block) throw new Error('docs/compose.md has no gitops configuration example');
  return block;
}

function targets(service: ComposeService | undefined): Array<{ target: string; readOnly: boolean }> {
  return (service?.volumes ?? []).map((v) => {
    if (typeof v === 'string') {
      const [, target = '', mode] = v.split(':');
      return { target, readOnly: mode === 'ro' };
    }
    return { target: v.target ?? '', readOnly: (v as { read_only?: boolean }).read_only === true };
  });
}

describe('docker-compose.yml: GitOps, checked by the real docker-compose', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drover-compose-gitops-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('resolves the documented token mount onto the worker only, read-only, where the configuration reads it', async () => {
    await requireTool('docker-compose');
    const volume = await exampleTokenVolume();
    const override = join(dir, 'gitops.override.yml');
    await writeFile(override, `services:\n  drover-worker:\n    volumes:\n      - ${JSON.stringify(volume)}\n`);
    const r = await run('docker-compose', ['-f', 'docker-compose.yml', '-f', override, 'config'], { env: toolEnv({ DROVER_CONFIG: CONFIG_PATH }) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const compose = parse(r.stdout) as ComposeFile;

    const tokenFile = (parse(await documentedConfig()) as { gitops: { repositories: Array<{ tokenFile: string }> } }).gitops.repositories[0]!.tokenFile;
    expect(targets(compose.services['drover-worker'])).toContainEqual({ target: tokenFile, readOnly: true });
    expect(targets(compose.services.drover).map((t) => t.target)).not.toContain(tokenFile);
    // The server's ./.drover mount must not hold it: the example's file lives elsewhere.
    expect(volume.split(':')[0]).not.toMatch(/^\.\/\.drover\//);
    for (const name of ['drover', 'drover-worker']) expect(compose.services[name]?.environment?.DROVER_CONFIG).toBe(CONFIG_PATH);
  });

  it("passes the documented configuration through Drover's own loader", async () => {
    const text = await documentedConfig();
    const config = loadConfig({ env: { DROVER_CONFIG: CONFIG_PATH }, readFile: (path) => (path === CONFIG_PATH ? text : '') });
    expect(config.gitops.repositories).toEqual([
      { url: 'https://github.com/acme/fleet', forge: { type: 'github', project: 'acme/fleet' }, tokenFile: '/run/secrets/drover/gitops/fleet/token' },
    ]);
    // Without DROVER_CONFIG (the default), nothing changes: no repositories.
    expect(loadConfig({ env: {}, readFile: () => '' }).gitops.repositories).toEqual([]);
  });
});
