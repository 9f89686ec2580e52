import { readFile, realpath } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';

/** What a pack's package.json says about it. */
export interface PackManifest {
  /** `version`, when the package.json has one. */
  version?: string;
  /** The runbooks directory it declares (`drover.runbooks`), when it declares one. */
  runbooks?: string;
}

/** Reads `<root>/package.json`; an absent file is an empty manifest, a broken one an error. */
export async function readPackManifest(root: string): Promise<PackManifest> {
  let text: string;
  try {
    text = await readFile(join(root, 'package.json'), 'utf8');
  } catch {
    return {};
  }
  const json = JSON.parse(text) as { version?: unknown; drover?: { runbooks?: unknown } };
  return {
    ...(typeof json.version === 'string' ? { version: json.version } : {}),
    ...(typeof json.drover?.runbooks === 'string' ? { runbooks: json.drover.runbooks } : {}),
  };
}

/**
 * The runbooks directory of a pack rooted at `root`: `declared` (from the
 * config or package.json `drover.runbooks`), else `runbooks`. It must stay
 * inside the pack: a pack cannot point Drover at files elsewhere.
 */
export function runbooksDirOf(root: string, declared: string | undefined): string {
  const dir = resolve(root, declared ?? 'runbooks');
  const rel = relative(root, dir);
  if (rel.startsWith('..') || rel.startsWith(sep) || /^[a-zA-Z]:/.test(rel)) {
    throw new Error(`its runbooks directory "${declared}" is outside the pack`);
  }
  return dir;
}

/**
 * runbooksDirOf, and the directory as the file system resolves it (symbolic
 * links followed) is inside the pack too: a pack whose `runbooks` is a link to
 * `/etc` or to another checkout would load files its version does not pin.
 * A directory that does not exist is left to the loader to report.
 */
export async function confinedRunbooksDir(root: string, declared: string | undefined): Promise<string> {
  const dir = runbooksDirOf(root, declared);
  const real = await realpath(dir).catch(() => undefined);
  if (real === undefined) return dir;
  const rel = relative(await realpath(root), real);
  if (rel.startsWith('..') || rel.startsWith(sep) || /^[a-zA-Z]:/.test(rel)) {
    throw new Error(`its runbooks directory "${declared ?? 'runbooks'}" is a link to ${real}, outside the pack`);
  }
  return dir;
}
