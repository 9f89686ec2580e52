import { join, resolve } from 'node:path';
import { gitPackCheckout, shownUrl } from './git-pack.js';
import { npmPackageDir } from './npm-pack.js';
import type { PackConfig } from './pack-config.js';
import { confinedRunbooksDir, readPackManifest } from './runbooks-dir.js';

/** A pack on disk, ready to load. */
export interface ResolvedPack {
  name: string;
  /** npm version, git commit, or `local`. */
  version: string;
  /** The pack's root (its package or checkout); the content hash names helpers relative to it. */
  root: string;
  /** The directory of its runbook files. */
  dir: string;
  /** How it was declared, for messages: `npm @team/runbooks`, `git https://… at <sha>`, a path. */
  from: string;
}

export interface ResolveOptions {
  /** Relative paths and node_modules are resolved from here. */
  cwd: string;
  /** Where git packs are checked out. */
  packCacheDir: string;
  /** The environment git runs with (PATH, HOME, credential helpers). */
  env: Record<string, string | undefined>;
}

/** The runbooks of `runbooks.dir`: Drover's shipped ones unless configured otherwise. */
export function dirPack(name: string, dir: string, cwd: string): ResolvedPack {
  const path = resolve(cwd, dir);
  return { name, version: 'local', root: path, dir: path, from: path };
}

/** Where a configured pack is, fetched first when it is a git pack; throws with a message naming what is wrong. */
export async function resolvePack(pack: PackConfig, options: ResolveOptions): Promise<ResolvedPack> {
  if (pack.path !== undefined) return dirPack(pack.name, pack.path, options.cwd);
  if (pack.npm !== undefined) {
    // Installed with the project, or by the chart into the pack cache (<packCacheDir>/npm/node_modules).
    const root = (await npmPackageDir(pack.npm, options.cwd)) ?? (await npmPackageDir(pack.npm, join(options.packCacheDir, 'npm')));
    const wanted = pack.version ? `${pack.npm}@${pack.version}` : pack.npm;
    if (!root) throw new Error(`npm package ${pack.npm} is not installed (npm install ${wanted})`);
    const manifest = await readPackManifest(root);
    if (pack.version && manifest.version !== pack.version) {
      throw new Error(`npm package ${pack.npm} is installed at version ${manifest.version ?? 'unknown'}, not ${pack.version} (npm install ${wanted})`);
    }
    return { name: pack.name, version: manifest.version ?? 'unknown', root, dir: await confinedRunbooksDir(root, manifest.runbooks), from: `npm ${pack.npm}` };
  }
  if (pack.git !== undefined && pack.commit !== undefined) {
    const root = await gitPackCheckout({ cacheDir: options.packCacheDir, name: pack.name, url: pack.git, commit: pack.commit, env: options.env });
    const declared = pack.dir ?? (await readPackManifest(root)).runbooks;
    return { name: pack.name, version: pack.commit, root, dir: await confinedRunbooksDir(root, declared), from: `git ${shownUrl(pack.git)} at ${pack.commit.slice(0, 12)}` };
  }
  throw new Error('needs exactly one of path, npm or git');
}
