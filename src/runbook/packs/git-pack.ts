import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** A git command that failed; the message is git's own first line of complaint, credentials removed. */
export class GitPackError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GitPackError';
  }
}

export interface GitPackOptions {
  /** Where checkouts are kept: `<cacheDir>/<name>/<commit>`. */
  cacheDir: string;
  name: string;
  url: string;
  /** Full 40-hex sha. */
  commit: string;
  /** The git executable; default `git` from PATH. */
  git?: string;
  /** Per git command; default 2 minutes. */
  timeoutMs?: number;
  /** Environment for git (PATH, HOME, proxies, credential helpers), from the entry point. */
  env: Record<string, string | undefined>;
}

/** A URL as it may be shown: user and password removed (`https://token@host/...`). */
export function shownUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

/** Text that may quote the URL (git's own messages, in whatever form git prints it): every `scheme://user:token@` removed. */
export function withoutCredentials(text: string, url: string): string {
  return text.split(url).join(shownUrl(url)).replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s'"]*@/gi, '$1');
}

/**
 * The transports a pack may be fetched over. Set here, not inherited: an
 * environment allowing `ext::` (GIT_ALLOW_PROTOCOL) would let a pack URL run a
 * command, and GIT_ALLOW_PROTOCOL overrides any `protocol.*.allow` config.
 */
export const PACK_PROTOCOLS = 'https:http:ssh:git:file';

function run(args: string[], options: GitPackOptions, cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      options.git ?? 'git',
      args,
      {
        cwd,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 1024 * 1024,
        // Never wait for a password on a terminal: a private repository needs a credential helper or a token.
        env: { ...options.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '', GIT_ALLOW_PROTOCOL: PACK_PROTOCOLS },
      },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout.trim());
        const said = String(stderr)
          .split('\n')
          .map((l) => l.trim())
          .find((l) => /^(fatal|error):/.test(l));
        const timeoutMs = options.timeoutMs ?? 120_000;
        const why = err.killed
          ? `git ${args[0] ?? ''} did not finish within ${Math.round(timeoutMs / 1000)}s`
          : (said ?? ((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'git is not installed' : (err.message.split('\n')[0] ?? 'git failed')));
        // The cause is execFile's error, whose message is the whole command line, the URL with its token: redacted too.
        const cause = new Error(withoutCredentials(err.message, options.url));
        reject(new GitPackError(withoutCredentials(why, options.url), { cause }));
      },
    );
  });
}

/**
 * True when `dir` is a clean checkout of exactly `commit`. The detached HEAD
 * is read from the file, so a checkout made by the chart's init container
 * loads in an image without git; with git at hand, local edits are refused too,
 * and so are files the commit does not have (a runbook planted in the cache,
 * ignored by the pack's .gitignore or not, would load as that commit's).
 */
async function isCheckoutOf(dir: string, options: GitPackOptions): Promise<boolean> {
  const head = (await readFile(join(dir, '.git', 'HEAD'), 'utf8').catch(() => '')).trim();
  if (head !== options.commit) return false;
  try {
    // The checkout's own .git/config is not trusted: a command it names (core.fsmonitor) is not run.
    return (await run(['-c', 'core.fsmonitor=false', 'status', '--porcelain', '--untracked-files=all', '--ignored'], options, dir)) === '';
  } catch (err) {
    if (err instanceof GitPackError && err.message === 'git is not installed') return true;
    throw err;
  }
}

/**
 * The directory holding the pack checked out at exactly `commit`. A checkout
 * already in the cache is used as it is (an offline start works); otherwise
 * the commit is fetched (shallow when the server allows it, else every branch
 * and tag) into a temporary directory that becomes the checkout only once it
 * is complete. A moved branch changes nothing: only the commit is asked for.
 */
export async function gitPackCheckout(options: GitPackOptions): Promise<string> {
  if (!/^[0-9a-f]{40}$/.test(options.commit)) throw new GitPackError(`"${options.commit}" is not a full 40-hex commit sha`);
  const target = join(options.cacheDir, options.name, options.commit);
  if (await access(join(target, '.git')).then(() => true, () => false)) {
    if (await isCheckoutOf(target, options)) return target;
    throw new GitPackError(`the cached checkout ${target} is not a clean checkout of ${options.commit}; remove it to fetch the pack again`);
  }
  await mkdir(join(options.cacheDir, options.name), { recursive: true });
  const temp = join(options.cacheDir, options.name, `.fetch-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await run(['init', '-q', temp], options);
    // Links are checked out as plain files: a pack's runbook, helper or directory cannot point outside the commit.
    await run(['config', 'core.symlinks', 'false'], options, temp);
    try {
      await run(['fetch', '-q', '--no-tags', '--depth', '1', '--', options.url, options.commit], options, temp);
    } catch (err) {
      // A host that does not answer (or a pack too big to fetch in time) would not answer the second fetch either.
      if (err instanceof GitPackError && /did not finish within/.test(err.message)) throw err;
      // Servers that refuse a commit by sha: every branch and tag, then the commit must be among them.
      await run(['fetch', '-q', '--', options.url, '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*'], options, temp);
    }
    await run(['-c', 'advice.detachedHead=false', 'checkout', '-q', '--detach', options.commit], options, temp).catch((err: unknown) => {
      throw new GitPackError(`commit ${options.commit} is not in ${shownUrl(options.url)}`, { cause: err });
    });
    if (!(await isCheckoutOf(temp, options))) throw new GitPackError(`the checkout of ${options.commit} is not that commit`);
    await rename(temp, target).catch(async (err: unknown) => {
      // Another process made it first: theirs is as good.
      if (!(await access(join(target, '.git')).then(() => true, () => false))) throw err;
    });
    return target;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
