/**
 * GitWorkspace against real git: a bare repository over file:// and over
 * smart HTTP (git-http-backend) behind a token, checkouts, pushes and their
 * idempotency, hostile paths and branch names, concurrency and the timeout.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DroverError } from '../../../src/errors.js';
import { GitWorkspace, type GitCheckout } from '../../../src/gitops/git/workspace.js';
import { git, gitRemote } from '../../support/git-repo.js';
import { serveGitOverHttp, type GitHttpServer } from '../../support/git-http.js';

const DEPLOY = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web # the shop\nspec:\n  replicas: 3\n';
const author = { name: 'Drover', email: 'drover@example.com' };
const runner = { allowProtocol: 'file:http:https' };

let root: string;
let remote: ReturnType<typeof gitRemote>;
let baseSha: string;
let ws: GitWorkspace;
const held: GitCheckout[] = [];

async function checkout(url = `file://${remote.url}`, base?: string, token?: string): Promise<GitCheckout> {
  const c = await ws.checkout({ cloneUrl: url, ...(token ? { token } : {}) }, base);
  held.push(c);
  return c;
}

function scaled(c: GitCheckout, replicas: number) {
  return [{ file: 'apps/web/deployment.yaml', before: readFileSync(join(c.dir, 'apps/web/deployment.yaml'), 'utf8'), after: DEPLOY.replace('replicas: 3', `replicas: ${replicas}`) }];
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'drover-gitws-'));
  remote = gitRemote(root);
  baseSha = remote.commit({ 'apps/web/deployment.yaml': DEPLOY, 'README.md': 'fleet\n' }, 'first');
  ws = new GitWorkspace({ root: join(root, 'cache'), runner, timeoutMs: 20_000 });
});

afterEach(async () => {
  await Promise.all(held.splice(0).map((c) => c.release()));
  rmSync(root, { recursive: true, force: true });
});

describe('checkout and push over file://', () => {
  it('hands out a detached worktree at the default branch and releases it', async () => {
    const c = await checkout();
    expect(c.baseBranch).toBe('main');
    expect(c.baseSha).toBe(baseSha);
    expect(readFileSync(join(c.dir, 'apps/web/deployment.yaml'), 'utf8')).toBe(DEPLOY);
    await c.release();
    expect(existsSync(c.dir)).toBe(false);
    await c.release();
  });

  it('removes worktrees a crashed process left behind, on first use', async () => {
    const crashed = await checkout();
    held.splice(held.indexOf(crashed), 1);
    const old = new Date(Date.now() - 7 * 3600_000);
    utimesSync(crashed.dir, old, old);
    const restarted = new GitWorkspace({ root: join(root, 'cache'), runner, timeoutMs: 20_000 });
    const fresh = await restarted.checkout({ cloneUrl: `file://${remote.url}` });
    held.push(fresh);
    expect(existsSync(crashed.dir)).toBe(false);
    expect(existsSync(fresh.dir)).toBe(true);
    const list = git(join(root, 'cache', readdirOne(join(root, 'cache')), 'repo.git'), 'worktree', 'list', '--porcelain');
    expect(list).not.toContain(crashed.dir);
  });

  it('fetches new commits into the cached clone for the next checkout', async () => {
    const first = await checkout();
    const next = remote.commit({ 'README.md': 'fleet v2\n' }, 'second');
    const second = await checkout();
    expect(first.baseSha).toBe(baseSha);
    expect(second.baseSha).toBe(next);
    expect(second.dir).not.toBe(first.dir);
  });

  it('refuses a base branch the repository does not have', async () => {
    await expect(checkout(undefined, 'release-9')).rejects.toMatchObject({ code: 'gitops_git_failed', details: { reason: 'no_base_branch' } });
    await expect(checkout(undefined, 'release-9')).rejects.toThrow('release-9 does not exist');
  });

  it('commits with the given author, without hooks, and pushes the branch', async () => {
    const c = await checkout();
    // A hook in the cached clone (where a hostile repository's config could point) must not run.
    const hooks = join(root, 'cache', readdirOne(join(root, 'cache')), 'repo.git', 'hooks');
    mkdirSync(hooks, { recursive: true });
    writeFileSync(join(hooks, 'pre-commit'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    writeFileSync(join(hooks, 'pre-push'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const pushed = await ws.commitAndPush(c, { branch: 'drover/scale-web-5', message: 'Scale web to 5\n\nRun r-1', author, edits: scaled(c, 5) });
    expect(pushed.reused).toBe(false);
    expect(git(remote.url, 'rev-parse', 'refs/heads/drover/scale-web-5')).toBe(pushed.sha);
    expect(git(remote.url, 'log', '-1', '--format=%an <%ae>|%cn|%s|%P', pushed.sha)).toBe(`Drover <drover@example.com>|Drover|Scale web to 5|${baseSha}`);
    expect(git(remote.url, 'show', `${pushed.sha}:apps/web/deployment.yaml`)).toContain('replicas: 5');
    expect(await ws.remoteHead({ cloneUrl: `file://${remote.url}` }, 'drover/scale-web-5')).toBe(pushed.sha);
    expect(await ws.remoteHead({ cloneUrl: `file://${remote.url}` }, 'nope')).toBeUndefined();
  });

  it('answers the pushed commit again for the same edits (a retried run), and refuses other content on the branch', async () => {
    const a = await checkout();
    const first = await ws.commitAndPush(a, { branch: 'drover/r1', message: 'Scale', author, edits: scaled(a, 5) });
    const b = await checkout();
    const again = await ws.commitAndPush(b, { branch: 'drover/r1', message: 'Scale (retry)', author, edits: scaled(b, 5) });
    expect(again).toEqual({ sha: first.sha, reused: true });
    const c = await checkout();
    const err = await ws.commitAndPush(c, { branch: 'drover/r1', message: 'Scale', author, edits: scaled(c, 7) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DroverError);
    expect(err).toMatchObject({ code: 'gitops_git_failed', retryable: false, details: { reason: 'branch_taken' } });
    expect((err as Error).message).toContain('already exists in the GitOps repository with other content');
    expect(git(remote.url, 'rev-parse', 'refs/heads/drover/r1')).toBe(first.sha);
  });

  it('pushes the commit of an earlier call on the same checkout whose push failed', async () => {
    const c = await checkout();
    const edits = scaled(c, 6);
    await expect(ws.commitAndPush(c, { branch: 'bad..name', message: 'm', author, edits })).rejects.toMatchObject({ details: { reason: 'invalid_branch' } });
    const first = await ws.commitAndPush(c, { branch: 'drover/same', message: 'm', author, edits });
    const again = await ws.commitAndPush(c, { branch: 'drover/same', message: 'm', author, edits });
    expect(again).toEqual({ sha: first.sha, reused: true });
    expect(git(remote.url, 'rev-list', '--count', 'refs/heads/drover/same')).toBe('2');
  });

  it('refuses edits that change nothing or were computed from other text', async () => {
    const c = await checkout();
    await expect(ws.commitAndPush(c, { branch: 'drover/x', message: 'm', author, edits: [{ file: 'README.md', before: 'fleet\n', after: 'fleet\n' }] })).rejects.toMatchObject({ details: { reason: 'no_change' } });
    const d = await checkout();
    await expect(ws.commitAndPush(d, { branch: 'drover/y', message: 'm', author, edits: [{ file: 'README.md', before: 'old\n', after: 'new\n' }] })).rejects.toMatchObject({ details: { reason: 'stale_edit' } });
  });

  it('knows ancestry after a fetch; an unknown commit is no ancestor', async () => {
    const repo = { cloneUrl: `file://${remote.url}` };
    const next = remote.commit({ 'README.md': 'two\n' }, 'second');
    expect(await ws.isAncestor(repo, baseSha, next)).toBe(true);
    expect(await ws.isAncestor(repo, next, baseSha)).toBe(false);
    expect(await ws.isAncestor(repo, 'f'.repeat(40), next)).toBe(false);
    expect(await ws.isAncestor(repo, '--all', next)).toBe(false);
  });
});

describe('hostile input', () => {
  const hostilePaths = ['../outside.yaml', '/etc/passwd', '.git/config', 'apps/../../x', 'apps/./web.yaml', 'apps//web.yaml', '.GIT/hooks/pre-commit', 'apps\\..\\x', 'a\0b', ''];
  it.each(hostilePaths)('refuses the path %j and writes nothing', async (file) => {
    const c = await checkout();
    await expect(ws.commitAndPush(c, { branch: 'drover/p', message: 'm', author, edits: [{ file, before: '', after: 'pwned\n' }] })).rejects.toMatchObject({ code: 'gitops_git_failed', details: { reason: 'unsafe_path' } });
    expect(existsSync(join(root, 'outside.yaml'))).toBe(false);
    expect(git(remote.url, 'for-each-ref', '--format=%(refname)', 'refs/heads/drover')).toBe('');
  });

  it('refuses to write through a symbolic link committed to the repository', async () => {
    const outside = join(root, 'outside');
    symlinkSync(outside, join(remote.work, 'linked-dir'));
    symlinkSync(join(outside, 'f.yaml'), join(remote.work, 'linked.yaml'));
    remote.commit({}, 'links');
    const c = await checkout();
    for (const file of ['linked-dir/x.yaml', 'linked.yaml']) {
      await expect(ws.commitAndPush(c, { branch: 'drover/s', message: 'm', author, edits: [{ file, before: '', after: 'x' }] })).rejects.toMatchObject({ details: { reason: 'unsafe_path' } });
    }
    expect(existsSync(outside)).toBe(false);
  });

  const hostileBranches = ['-delete', 'a..b', 'has space', 'x.lock', 'a/.hidden', 'ends/', 'x@{1}', 'caf\u00e9', 'a:b', 'a~1', 'HEAD', 'b'.repeat(201), 'a\nb', ''];
  it.each(hostileBranches)('refuses the branch name %j', async (branch) => {
    const c = await checkout();
    await expect(ws.commitAndPush(c, { branch, message: 'm', author, edits: scaled(c, 5) })).rejects.toMatchObject({ code: 'gitops_git_failed', details: { reason: 'invalid_branch' } });
    await expect(ws.checkout({ cloneUrl: `file://${remote.url}` }, branch)).rejects.toMatchObject({ details: { reason: 'invalid_branch' } });
  });

  it('refuses an author that would forge the identity line', async () => {
    const c = await checkout();
    await expect(ws.commitAndPush(c, { branch: 'drover/a', message: 'm', author: { name: 'x> <evil@example.com', email: 'e@example.com' }, edits: scaled(c, 5) })).rejects.toMatchObject({ details: { reason: 'invalid_author' } });
  });
});

describe('concurrency', () => {
  it('serves concurrent checkouts of one repository with separate worktrees, and their pushes', async () => {
    const checkouts = await Promise.all(Array.from({ length: 6 }, () => checkout()));
    expect(new Set(checkouts.map((c) => c.dir)).size).toBe(6);
    expect(new Set(checkouts.map((c) => c.baseSha))).toEqual(new Set([baseSha]));
    const pushed = await Promise.all(checkouts.map((c, i) => ws.commitAndPush(c, { branch: `drover/c${i}`, message: `scale ${i}`, author, edits: scaled(c, 10 + i) })));
    pushed.forEach((p, i) => expect(git(remote.url, 'show', `refs/heads/drover/c${i}:apps/web/deployment.yaml`)).toContain(`replicas: ${10 + i}`));
    await Promise.all(checkouts.map((c) => c.release()));
    expect(git(join(root, 'cache', readdirOne(join(root, 'cache')), 'repo.git'), 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length).toBe(1);
  });
});

function readdirOne(dir: string): string {
  const [only] = readdirSync(dir);
  return only!;
}

describe('over HTTP with a token', () => {
  const token = 'ghp_S3cretTokenValue0123456789abcdefXYZ';
  let http: GitHttpServer;
  beforeEach(async () => {
    http = await serveGitOverHttp({ projectRoot: root, token, user: 'x-access-token' });
  });
  afterEach(() => http.close());

  it('checks out and pushes with the token sent as a header', async () => {
    const url = `${http.url}/remote.git`;
    const c = await checkout(url, undefined, token);
    expect(c.baseSha).toBe(baseSha);
    const pushed = await ws.commitAndPush(c, { branch: 'drover/http', message: 'scale', author, edits: scaled(c, 4) });
    expect(git(remote.url, 'rev-parse', 'refs/heads/drover/http')).toBe(pushed.sha);
    expect(http.requests.some((r) => r.path.endsWith('git-receive-pack') && r.authorised)).toBe(true);
    expect(await ws.remoteHead({ cloneUrl: url, token }, 'drover/http')).toBe(pushed.sha);
  });

  it('fails with gitops_git_failed and never shows a wrong token', async () => {
    const wrong = 'glpat-WrongTokenValue-abcdef0123456789';
    const err = await ws.checkout({ cloneUrl: `${http.url}/remote.git`, token: wrong }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'gitops_git_failed', retryable: false });
    const text = `${(err as Error).message} ${JSON.stringify((err as DroverError).details)}`;
    expect(text).toContain('check the token');
    expect((err as Error).message).toMatch(/^git ls-remote failed/);
    for (const form of [wrong, Buffer.from(`x-access-token:${wrong}`).toString('base64'), encodeURIComponent(wrong)]) expect(text).not.toContain(form);
  });

  it('fails without a token', async () => {
    await expect(ws.checkout({ cloneUrl: `${http.url}/remote.git` })).rejects.toMatchObject({ code: 'gitops_git_failed' });
  });

  it('refuses a clone URL with credentials in it, without showing them', async () => {
    const withUser = `${http.url.replace('http://', `http://x-access-token:${token}@`)}/remote.git`;
    const err = await ws.checkout({ cloneUrl: withUser }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'gitops_git_failed', details: { reason: 'invalid_url' } });
    expect((err as Error).message).not.toContain(token);
    await expect(ws.checkout({ cloneUrl: 'git@github.com:acme/fleet.git' })).rejects.toMatchObject({ details: { reason: 'invalid_url' } });
    await expect(ws.checkout({ cloneUrl: 'ext::sh -c touch% /tmp/pwned' })).rejects.toMatchObject({ details: { reason: 'invalid_url' } });
    expect(http.requests).toHaveLength(0);
  });

  it('refuses a protocol the runner does not allow', async () => {
    const httpsOnly = new GitWorkspace({ root: join(root, 'cache2'), timeoutMs: 10_000 });
    await expect(httpsOnly.checkout({ cloneUrl: `${http.url}/remote.git`, token })).rejects.toMatchObject({ code: 'gitops_git_failed' });
    await expect(httpsOnly.checkout({ cloneUrl: `file://${remote.url}` })).rejects.toMatchObject({ code: 'gitops_git_failed' });
    expect(http.requests).toHaveLength(0);
  });
});

describe('timeout', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it('stops a git command that gets no answer, as a retryable failure', async () => {
    server = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const slow = new GitWorkspace({ root: join(root, 'cache3'), runner, timeoutMs: 800 });
    const started = Date.now();
    const err = await slow.checkout({ cloneUrl: `http://127.0.0.1:${port}/remote.git`, token: 'tok-123456789' }, 'main').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'gitops_git_failed', retryable: true });
    expect((err as Error).message).toMatch(/did not finish within 800 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
