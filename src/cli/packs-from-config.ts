import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Env } from '../config/load-config.js';
import { loadPacks, type PacksLoadResult } from '../runbook/packs/load-packs.js';
import type { ModuleImporter } from '../runbook/registry.js';
import { runbookImporter } from './runbook-importer.js';

/** Where git packs are checked out: `runbooks.packCacheDir`, else the user's cache (outside any checkout). */
export function packCacheDir(config: Config, env: Env, cwd: string): string {
  if (config.runbooks.packCacheDir) return resolve(cwd, config.runbooks.packCacheDir);
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'drover', 'packs');
  if (env.HOME) return join(env.HOME, '.cache', 'drover', 'packs');
  return join(tmpdir(), 'drover-packs');
}

/**
 * Every configured pack's runbooks (runbooks.dir as the pack `runbooks.name`,
 * then runbooks.packs in order), with the problems of those that did not load.
 */
export async function runbooksFromPacks(
  config: Config,
  rt: { env: Env; cwd: string },
  warn: (message: string) => void,
): Promise<PacksLoadResult & { importer: ModuleImporter }> {
  const importer = runbookImporter(config, rt.cwd, warn);
  const loaded = await loadPacks(
    { dir: config.runbooks.dir, name: config.runbooks.name, packs: config.runbooks.packs },
    { cwd: rt.cwd, packCacheDir: packCacheDir(config, rt.env, rt.cwd), env: rt.env, importer },
  );
  return { ...loaded, importer };
}
