import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where git is found (a fixed PATH: tests do not read the environment). */
export const GIT_PATH = '/usr/local/bin:/usr/bin:/bin';

/** Runs real git with a fixed identity and no user or system configuration. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Pack Author', '-c', 'user.email=author@example.com', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: GIT_PATH, HOME: cwd, GIT_CONFIG_NOSYSTEM: '1' },
  }).trim();
}

/** A bare repository (the "remote") and a working clone that pushes to it. */
export function gitRemote(root: string): { url: string; work: string; commit(files: Record<string, string>, message: string): string } {
  const url = join(root, 'remote.git');
  const work = join(root, 'work');
  mkdirSync(url, { recursive: true });
  git(url, 'init', '-q', '--bare', '-b', 'main');
  git(root, 'init', '-q', '-b', 'main', work);
  return {
    url,
    work,
    commit(files, message) {
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(work, path)), { recursive: true });
        writeFileSync(join(work, path), text);
      }
      git(work, 'add', '-A');
      git(work, 'commit', '-q', '-m', message);
      git(work, 'push', '-q', url, 'main');
      return git(work, 'rev-parse', 'HEAD');
    },
  };
}
