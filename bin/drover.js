#!/usr/bin/env node
// Installed entry point: runs the compiled CLI (dist/, built by `npm run build`, and by `npm ci`
// through the prepare script). When dist/ is missing or older than a file in src/, it runs the
// TypeScript source through tsx instead and says so on stderr.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'src', 'main.js');
// Written after every build: an incremental build rewrites only the files that changed, so main.js's own time says little.
const stamp = join(root, 'dist', '.built');
const sources = join(root, 'src');

/**
 * The first TypeScript file under `dir` modified after `time` (a few ms for a few hundred files).
 * @param {string} dir
 * @param {number} time
 * @returns {string | undefined}
 */
function newerSource(dir, time) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = newerSource(path, time);
      if (found) return found;
    } else if (entry.name.endsWith('.ts') && statSync(path).mtimeMs > time) {
      return path;
    }
  }
  return undefined;
}

/** @returns {string | undefined} why dist/ cannot be used, if it cannot */
function staleness() {
  if (!existsSync(compiled)) return 'dist/ is missing';
  // An image or package without src/ only has the compiled code.
  if (!existsSync(sources)) return undefined;
  const built = Math.max(statSync(compiled).mtimeMs, existsSync(stamp) ? statSync(stamp).mtimeMs : 0);
  const changed = newerSource(sources, built);
  return changed ? `${changed.slice(root.length + 1)} changed after the last build` : undefined;
}

const stale = staleness();
if (!stale) {
  await import(pathToFileURL(compiled).href);
} else {
  process.stderr.write(`drover: ${stale}; running the TypeScript source through tsx (slower start; \`npm run build\` compiles it).\n`);
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(sources, 'main.ts')).href);
}
