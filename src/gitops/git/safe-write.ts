/**
 * Writes FileEdits into a checkout without ever leaving it: every path is
 * checked (checkRelativeFile), no directory on the way and not the file itself
 * may be a symbolic link (a link committed to the repository could point at
 * /etc or at another checkout), and the file must still hold the text the edit
 * was computed from (or already the text it sets).
 */
import { lstat, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DroverError } from '../../errors.js';
import type { FileEdit } from '../types.js';
import { checkRelativeFile } from './names.js';

async function lstatOrUndefined(path: string): Promise<Awaited<ReturnType<typeof lstat>> | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function refuse(file: string, why: string): DroverError {
  return new DroverError('gitops_git_failed', `Refusing to write ${JSON.stringify(file.slice(0, 120))}: ${why}.`, { details: { reason: 'unsafe_path' } });
}

/** Checks every edit first (nothing is written when one is refused), then writes them all. */
export async function writeEdits(root: string, edits: readonly FileEdit[]): Promise<string[]> {
  if (edits.length === 0) throw new DroverError('gitops_git_failed', 'There is nothing to commit: no file edits were given.');
  const seen = new Set<string>();
  const plan: Array<{ file: string; path: string; after: string }> = [];
  for (const edit of edits) {
    const parts = checkRelativeFile(edit.file);
    const file = parts.join('/');
    if (seen.has(file)) throw refuse(file, 'it is edited twice in one commit');
    seen.add(file);
    if (typeof edit.after !== 'string' || typeof edit.before !== 'string') throw refuse(file, 'the edit has no text');
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      dir = join(dir, part);
      const st = await lstatOrUndefined(dir);
      if (!st) break;
      if (st.isSymbolicLink()) throw refuse(file, `${part}/ is a symbolic link`);
      if (!st.isDirectory()) throw refuse(file, `${part} is not a directory`);
    }
    const path = join(root, ...parts);
    const st = await lstatOrUndefined(path);
    if (st?.isSymbolicLink()) throw refuse(file, 'it is a symbolic link');
    if (st && !st.isFile()) throw refuse(file, 'it is not a regular file');
    const current = st ? await readFile(path, 'utf8') : '';
    // Already written (commitAndPush called again on the same checkout after a failed push) is fine.
    if (current !== edit.before && current !== edit.after) {
      throw new DroverError('gitops_git_failed', `${file} changed in the repository since the edit was computed; compute the edit again on a fresh checkout.`, {
        retryable: true,
        details: { reason: 'stale_edit', file },
      });
    }
    plan.push({ file, path, after: edit.after });
  }
  for (const { file, path, after } of plan) {
    const parts = file.split('/');
    if (parts.length > 1) await mkdir(join(root, ...parts.slice(0, -1)), { recursive: true });
    await writeFile(path, after, 'utf8');
  }
  return plan.map((p) => p.file);
}
