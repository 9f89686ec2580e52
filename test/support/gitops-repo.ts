/**
 * A GitOps fixture repository: a real bare repository on disk (what Flux's
 * GitRepository or Argo CD's repoURL would point at, here as a file:// URL)
 * with an initial commit of the given files. Later commits go in the way a
 * person makes them: a temporary clone, edit, commit, push.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GIT_PATH, git } from './git-repo.js';

export interface GitOpsRepo {
  /** Path of the bare repository. */
  bare: string;
  /** file:// URL of the bare repository. */
  url: string;
  /** The default branch (the one the initial commit is on). */
  branch: string;
  /**
   * Commits `files` (repository-relative path → text; null deletes the file, if there)
   * on `options.branch` (default: the default branch; a branch that does not
   * exist yet starts from the default branch) and pushes. Returns the commit's sha.
   */
  commit(files: Record<string, string | null>, message: string, options?: { branch?: string }): string;
  /** The sha the branch points at (default: the default branch). */
  head(branch?: string): string;
  /** The text of `path` at commit `sha`. */
  show(sha: string, path: string): string;
  /** Removes the repository and any clones left behind. */
  close(): void;
}

export interface CreateGitOpsRepoOptions {
  /** A directory to create the repository in (created when missing). */
  dir: string;
  /** The initial commit's files. */
  files: Record<string, string>;
  branch?: string;
}

const BRANCH = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;

/** A repository-relative path, refused when it could leave the work tree or touch .git. */
function safePath(path: string): string {
  const normal = posix.normalize(path);
  if (path === '' || path.startsWith('/') || normal.startsWith('..') || normal.split('/').some((p) => p === '.git') || path.includes('\0')) {
    throw new Error(`gitops fixture: refusing file path ${JSON.stringify(path)} (must stay inside the repository, outside .git)`);
  }
  return normal;
}

function safeBranch(branch: string): string {
  if (!BRANCH.test(branch) || branch.includes('..') || branch.endsWith('.lock') || branch.endsWith('/')) {
    throw new Error(`gitops fixture: refusing branch name ${JSON.stringify(branch)}`);
  }
  return branch;
}

function writeFiles(work: string, files: Record<string, string | null>): void {
  for (const [path, text] of Object.entries(files)) {
    const file = join(work, safePath(path));
    if (text === null) {
      // Deleting a file that is not there is no error: "make sure it is gone".
      rmSync(file, { force: true });
    } else {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
  }
}

export function createGitOpsRepo(options: CreateGitOpsRepoOptions): GitOpsRepo {
  const branch = safeBranch(options.branch ?? 'main');
  mkdirSync(options.dir, { recursive: true });
  const home = mkdtempSync(join(options.dir, 'gitops-'));
  const bare = join(home, 'repo.git');
  mkdirSync(bare);
  const clones = new Set<string>();
  git(bare, 'init', '-q', '--bare', '-b', branch);

  /** Clone, edit, commit, push, and remove the clone. */
  const commitVia = (files: Record<string, string | null>, message: string, target: string, initial: boolean): string => {
    const work = mkdtempSync(join(home, 'clone-'));
    clones.add(work);
    try {
      if (initial) {
        git(work, 'init', '-q', '-b', target);
      } else {
        git(work, 'clone', '-q', '--no-hardlinks', bare, '.');
        const exists = git(work, 'ls-remote', '--heads', 'origin', `refs/heads/${target}`) !== '';
        git(work, 'checkout', '-q', ...(exists ? [target] : ['-b', target, `origin/${branch}`]));
      }
      writeFiles(work, files);
      git(work, 'add', '-A');
      // A commit that changes nothing is a mistake in the test, said as such.
      if (!initial && git(work, 'status', '--porcelain') === '') throw new Error(`gitops fixture: commit "${message}" changes nothing on ${target}`);
      git(work, 'commit', '-q', '--allow-empty', '-m', message);
      git(work, 'push', '-q', initial ? bare : 'origin', `HEAD:refs/heads/${target}`);
      return git(work, 'rev-parse', 'HEAD');
    } finally {
      rmSync(work, { recursive: true, force: true });
      clones.delete(work);
    }
  };

  commitVia(options.files, 'Initial manifests', branch, true);

  return {
    bare,
    url: pathToFileURL(bare).href,
    branch,
    commit: (files, message, commitOptions = {}) => commitVia(files, message, safeBranch(commitOptions.branch ?? branch), false),
    head: (name = branch) => git(bare, 'rev-parse', '--verify', '-q', `refs/heads/${safeBranch(name)}^{commit}`),
    show: (sha, path) => {
      if (!/^[0-9a-f]{4,64}$/.test(sha)) throw new Error(`gitops fixture: ${JSON.stringify(sha)} is not a commit sha`);
      // Not through git(): its output is trimmed, and a file's text is wanted byte for byte.
      try {
        return execFileSync('git', ['cat-file', 'blob', `${sha}:${safePath(path)}`], {
          cwd: bare,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { PATH: GIT_PATH, HOME: home, GIT_CONFIG_NOSYSTEM: '1' },
        });
      } catch {
        throw new Error(`gitops fixture: no file ${path} at ${sha}`);
      }
    },
    close: () => {
      for (const work of clones) rmSync(work, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    },
  };
}
