/**
 * GitOps repositories on local disk: one cached bare clone per repository
 * (named by the sha256 of its URL, brought up to date with fetch), and a fresh
 * detached worktree per run, so concurrent runs never share a working tree
 * and a run's leftovers never leak into the next one.
 *
 * Pushes are idempotent for a retried run: Drover's branch is compared by
 * tree, so pushing the same edits again answers the commit already there, and
 * a branch holding anything else is refused rather than overwritten.
 */
import { createHash, randomUUID } from 'node:crypto';
import { access, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DroverError } from '../../errors.js';
import type { FileEdit } from '../types.js';
import { gitFailure, GitRunner, type GitAuth, type GitRunnerOptions, type GitRunOptions } from './git-runner.js';
import { KeyLock } from './key-lock.js';
import { checkBranch, checkCloneUrl, isCommitId } from './names.js';
import { writeEdits } from './safe-write.js';

export interface GitRepoRef {
  cloneUrl: string;
  token?: string;
  /** User name sent with the token: `x-access-token` (GitHub, the default) or `oauth2` (GitLab). */
  tokenUser?: string;
}

export interface GitCheckout {
  /** The worktree: edit files here. */
  dir: string;
  baseBranch: string;
  baseSha: string;
  /** Removes the worktree. */
  release(): Promise<void>;
}

export interface CommitRequest {
  branch: string;
  message: string;
  author: { name: string; email: string };
  edits: FileEdit[];
}

export interface GitWorkspaceOptions {
  /** Cache directory for the clones. */
  root: string;
  runner?: GitRunnerOptions;
  /** Timeout of each git command (default 120 s). */
  timeoutMs?: number;
  /** Worktrees older than this that no checkout of this process holds are leftovers of a crash, removed on first use (default 6 h). */
  staleAfterMs?: number;
}

interface Held {
  repo: GitRepoRef;
  key: string;
  released: boolean;
}

const REMOTE_REFS = '+refs/heads/*:refs/remotes/origin/*';
const RELEASE_TIMEOUT_MS = 30_000;

function oneLine(value: string, what: string): string {
  if (typeof value !== 'string' || !value.trim() || /[\0\n\r<>]/.test(value) || value.length > 200) {
    throw new DroverError('gitops_git_failed', `The commit ${what} must be one line without < or > (at most 200 characters).`, { details: { reason: 'invalid_author' } });
  }
  return value.trim();
}

export class GitWorkspace {
  private readonly git: GitRunner;
  private readonly lock = new KeyLock();
  private readonly held = new WeakMap<GitCheckout, Held>();
  private readonly live = new Set<string>();
  private readonly swept = new Set<string>();

  constructor(private readonly options: GitWorkspaceOptions) {
    this.git = new GitRunner({ ...options.runner, timeoutMs: options.timeoutMs ?? options.runner?.timeoutMs });
  }

  /** A fresh detached worktree at origin/<base> (default: the remote's HEAD branch). */
  async checkout(repo: GitRepoRef, baseBranch?: string): Promise<GitCheckout> {
    const url = checkCloneUrl(repo.cloneUrl);
    if (baseBranch !== undefined) checkBranch(baseBranch, 'base branch');
    const key = this.key(url);
    return this.lock.run(key, async () => {
      const bare = await this.ensureClone(key);
      const auth = this.auth(repo);
      const base = baseBranch ?? (await this.defaultBranch(bare, url, auth));
      await this.fetch(bare, url, auth);
      const baseSha = await this.refSha(bare, `refs/remotes/origin/${base}`);
      if (!baseSha) {
        throw new DroverError('gitops_git_failed', `The branch ${base} does not exist in the GitOps repository.`, { details: { reason: 'no_base_branch', branch: base } });
      }
      const dir = join(this.options.root, key, 'wt', randomUUID());
      await this.run(['worktree', 'prune'], { cwd: bare });
      await this.run(['worktree', 'add', '--detach', '--quiet', dir, baseSha], { cwd: bare });
      const checkout: GitCheckout = {
        dir,
        baseBranch: base,
        baseSha,
        release: () => this.release(checkout),
      };
      this.held.set(checkout, { repo: { ...repo, cloneUrl: url }, key, released: false });
      this.live.add(dir);
      return checkout;
    });
  }

  /** Commits the edits in the checkout and pushes them as `branch`; answers the existing commit when the branch already holds the same tree. */
  async commitAndPush(checkout: GitCheckout, request: CommitRequest): Promise<{ sha: string; reused: boolean }> {
    const held = this.held.get(checkout);
    if (!held || held.released) throw new DroverError('gitops_git_failed', 'That checkout was released or does not belong to this workspace.');
    const branch = checkBranch(request.branch);
    const name = oneLine(request.author?.name, 'author name');
    const email = oneLine(request.author?.email, 'author email');
    if (typeof request.message !== 'string' || !request.message.trim() || request.message.includes('\0')) {
      throw new DroverError('gitops_git_failed', 'The commit message is empty.', { details: { reason: 'invalid_message' } });
    }
    const url = held.repo.cloneUrl;
    const auth = this.auth(held.repo);
    const cwd = checkout.dir;
    return this.lock.run(held.key, async () => {
      const files = await writeEdits(cwd, request.edits);
      await this.run(['add', '--', ...files], { cwd, env: { GIT_LITERAL_PATHSPECS: '1' } });
      const staged = await this.run(['diff', '--cached', '--quiet'], { cwd, okCodes: [1] });
      if (staged.code === 1) {
        const identity = { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email };
        await this.run(['-c', 'core.hooksPath=/dev/null', 'commit', '--quiet', '--no-verify', '--no-gpg-sign', '-F', '-'], { cwd, env: identity, input: request.message });
      } else if ((await this.run(['rev-parse', 'HEAD'], { cwd })).stdout.trim() === checkout.baseSha) {
        throw new DroverError('gitops_git_failed', 'The edits change nothing in the repository; there is nothing to propose.', { details: { reason: 'no_change' } });
      }
      // else: committed by an earlier call on this checkout whose push failed; push that commit.
      const sha = (await this.run(['rev-parse', 'HEAD'], { cwd })).stdout.trim();
      const tree = (await this.run(['rev-parse', 'HEAD^{tree}'], { cwd })).stdout.trim();
      const existing = await this.existingBranch(cwd, url, auth, branch, tree);
      if (existing) return existing;
      const pushed = await this.git.run(['push', '--porcelain', '--quiet', url, `HEAD:refs/heads/${branch}`], { cwd, auth, okCodes: [1] });
      if (pushed.code === 0) return { sha, reused: false };
      // Someone pushed the branch between our look and our push: judge what is there now.
      const raced = await this.existingBranch(cwd, url, auth, branch, tree);
      if (raced) return raced;
      const failure = gitFailure('push', pushed, auth ? [auth.token] : []);
      throw new DroverError('gitops_git_failed', failure.message, { retryable: true, details: { ...failure.details, branch } });
    });
  }

  /** Whether `ancestor` is an ancestor of (or equal to) `descendant` after a fetch; an unknown commit answers false. */
  async isAncestor(repo: GitRepoRef, ancestor: string, descendant: string): Promise<boolean> {
    const url = checkCloneUrl(repo.cloneUrl);
    if (!isCommitId(ancestor) || !isCommitId(descendant)) return false;
    const key = this.key(url);
    return this.lock.run(key, async () => {
      const bare = await this.ensureClone(key);
      await this.fetch(bare, url, this.auth(repo));
      for (const sha of [ancestor, descendant]) {
        const known = await this.run(['cat-file', '-e', `${sha}^{commit}`], { cwd: bare, okCodes: [1, 128] });
        if (known.code !== 0) return false;
      }
      const answer = await this.run(['merge-base', '--is-ancestor', ancestor, descendant], { cwd: bare, okCodes: [1] });
      return answer.code === 0;
    });
  }

  /** The commit the remote's `branch` points at, or undefined when there is no such branch. */
  async remoteHead(repo: GitRepoRef, branch: string): Promise<string | undefined> {
    const url = checkCloneUrl(repo.cloneUrl);
    checkBranch(branch);
    const key = this.key(url);
    const bare = await this.lock.run(key, () => this.ensureClone(key));
    return this.lsRemote(bare, url, this.auth(repo), branch);
  }

  private async release(checkout: GitCheckout): Promise<void> {
    const held = this.held.get(checkout);
    if (!held || held.released) return;
    held.released = true;
    const bare = join(this.options.root, held.key, 'repo.git');
    await this.lock.run(held.key, async () => {
      try {
        await this.run(['worktree', 'remove', '--force', checkout.dir], { cwd: bare, timeoutMs: RELEASE_TIMEOUT_MS });
      } catch {
        // Removed by hand below; prune forgets it.
      }
      await rm(checkout.dir, { recursive: true, force: true, maxRetries: 2 });
      this.live.delete(checkout.dir);
      await this.run(['worktree', 'prune'], { cwd: bare, timeoutMs: RELEASE_TIMEOUT_MS }).catch(() => undefined);
    });
  }

  private async existingBranch(cwd: string, url: string, auth: GitAuth | undefined, branch: string, tree: string): Promise<{ sha: string; reused: true } | undefined> {
    const remote = await this.lsRemote(cwd, url, auth, branch);
    if (!remote) return undefined;
    await this.git.run(['fetch', '--quiet', '--no-tags', url, `+refs/heads/${branch}:refs/remotes/origin/${branch}`], { cwd, auth });
    const theirs = (await this.run(['rev-parse', `${remote}^{tree}`], { cwd })).stdout.trim();
    if (theirs === tree) return { sha: remote, reused: true };
    throw new DroverError(
      'gitops_git_failed',
      `The branch ${branch} already exists in the GitOps repository with other content (commit ${remote.slice(0, 12)}); Drover does not overwrite a branch it did not push. Delete the branch or merge/close its pull request, then run again.`,
      { details: { reason: 'branch_taken', branch, sha: remote } },
    );
  }

  private async lsRemote(cwd: string, url: string, auth: GitAuth | undefined, branch: string): Promise<string | undefined> {
    const out = await this.git.run(['ls-remote', '--heads', url, `refs/heads/${branch}`], { cwd, auth });
    for (const line of out.stdout.split('\n')) {
      const [sha, ref] = line.split('\t');
      if (ref === `refs/heads/${branch}` && sha && isCommitId(sha)) return sha;
    }
    return undefined;
  }

  private async defaultBranch(bare: string, url: string, auth: GitAuth | undefined): Promise<string> {
    const out = await this.git.run(['ls-remote', '--symref', url, 'HEAD'], { cwd: bare, auth });
    const match = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(out.stdout);
    if (!match?.[1]) throw new DroverError('gitops_git_failed', 'The GitOps repository has no default branch (empty repository?); configure the branch to use.', { details: { reason: 'no_default_branch' } });
    return checkBranch(match[1], 'default branch');
  }

  private async fetch(bare: string, url: string, auth: GitAuth | undefined): Promise<void> {
    await this.git.run(['fetch', '--quiet', '--prune', '--no-tags', url, REMOTE_REFS], { cwd: bare, auth });
  }

  private async refSha(cwd: string, ref: string): Promise<string | undefined> {
    const out = await this.run(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd, okCodes: [1, 128] });
    const sha = out.stdout.trim();
    return out.code === 0 && isCommitId(sha) ? sha : undefined;
  }

  private async ensureClone(key: string): Promise<string> {
    const bare = join(this.options.root, key, 'repo.git');
    try {
      await access(join(bare, 'HEAD'));
    } catch {
      await mkdir(bare, { recursive: true });
      await this.run(['init', '--quiet', '--bare', bare], { cwd: bare });
    }
    if (!this.swept.has(key)) {
      this.swept.add(key);
      await this.sweep(key, bare);
    }
    return bare;
  }

  /** Removes worktrees a crashed process left behind (old, and not held here). */
  private async sweep(key: string, bare: string): Promise<void> {
    const parent = join(this.options.root, key, 'wt');
    const before = Date.now() - (this.options.staleAfterMs ?? 6 * 3600_000);
    const names = await readdir(parent).catch(() => [] as string[]);
    for (const name of names) {
      const dir = join(parent, name);
      if (this.live.has(dir)) continue;
      const st = await stat(dir).catch(() => undefined);
      if (st && st.mtimeMs < before) await rm(dir, { recursive: true, force: true, maxRetries: 2 });
    }
    await this.run(['worktree', 'prune'], { cwd: bare, timeoutMs: RELEASE_TIMEOUT_MS }).catch(() => undefined);
  }

  private auth(repo: GitRepoRef): GitAuth | undefined {
    return repo.token ? { token: repo.token, user: repo.tokenUser ?? 'x-access-token' } : undefined;
  }

  private key(url: string): string {
    return createHash('sha256').update(url).digest('hex');
  }

  private run(args: string[], run: GitRunOptions) {
    return this.git.run(args, run);
  }
}
