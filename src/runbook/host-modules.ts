import { existsSync } from 'node:fs';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Where Drover's own modules are, so a compiled runbook imports the very
 * modules the running Drover uses (one SDK, one zod, one `DroverError`), not
 * a second copy: `drover` (or, in older runbooks, `../src/sdk/index.js`) in a
 * runbook means `dist/src/sdk/index.js` when Drover runs compiled, and
 * `src/sdk/index.ts` when it runs from source (tsx, Jest).
 */
export interface HostModules {
  /** The package root (holds `src/`, `dist/`, `node_modules/`). */
  root: string;
  /** True when this Drover runs from `dist/`. */
  compiled: boolean;
  /** `root/src`: what runbooks' relative imports name. */
  sourceDir: string;
  /** Directories whose modules are Drover's own (never bundled into a runbook). */
  ownDirs: string[];
  /** The URL to import for a path under `sourceDir` (with or without a file on disk there). */
  moduleUrl(sourcePath: string): string;
}

/**
 * What Drover's package name means in a runbook: `import ... from 'drover'` (the
 * authoring API) and `'drover/testing'` (the harness and fakes), as package.json's
 * `exports` lists them, by their source path under `src/`.
 */
const PACKAGE_ENTRIES: Record<string, string> = {
  drover: join('sdk', 'index.ts'),
  'drover/testing': join('testing', 'index.ts'),
};

/**
 * The URL of the host's own module for a bare `drover` or `drover/testing`
 * import (whatever `node_modules/drover` the runbook's directory holds, if any),
 * or undefined for any other specifier.
 */
export function packageEntryUrl(host: HostModules, specifier: string): string | undefined {
  const entry = PACKAGE_ENTRIES[specifier];
  return entry === undefined ? undefined : host.moduleUrl(join(host.sourceDir, entry));
}

/** True when `path` is inside `dir` (not `dir` itself). */
export function isUnder(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) && !/^[a-zA-Z]:/.test(rel);
}

/** Drover's modules as seen from this file's own location (`src/runbook/` or `dist/src/runbook/`). */
export function hostModules(selfUrl: string = import.meta.url): HostModules {
  const self = fileURLToPath(selfUrl);
  const hostSrc = dirname(dirname(self));
  const compiled = /\.[cm]?js$/.test(self) && basename(dirname(hostSrc)) === 'dist';
  const root = compiled ? dirname(dirname(hostSrc)) : dirname(hostSrc);
  const sourceDir = join(root, 'src');
  const distDir = join(root, 'dist');
  return {
    root,
    compiled,
    sourceDir,
    ownDirs: [sourceDir, distDir],
    moduleUrl(sourcePath) {
      if (!compiled) return pathToFileURL(sourcePath).href;
      const rel = relative(sourceDir, sourcePath);
      const ext = extname(rel);
      const stem = /^\.[cm]?[jt]sx?$/.test(ext) ? rel.slice(0, -ext.length) : rel;
      const out = ext === '.mts' || ext === '.mjs' ? '.mjs' : ext === '.cts' || ext === '.cjs' ? '.cjs' : '.js';
      const candidate = join(hostSrc, stem + out);
      // A directory import (`../src/sdk`) means its index.
      if (!existsSync(candidate) && existsSync(join(hostSrc, rel, 'index.js'))) return pathToFileURL(join(hostSrc, rel, 'index.js')).href;
      return pathToFileURL(candidate).href;
    },
  };
}

export function isOwnModule(host: HostModules, path: string): boolean {
  return host.ownDirs.some((dir) => isUnder(path, dir));
}
