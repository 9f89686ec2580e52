/**
 * GitRunner runs real git isolated from the machine: no system or user
 * configuration, only the allowed protocols, bounded output, the token only
 * in the environment (as a header) and never in what a failure says.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitRunner, gitEnvironment } from '../../../src/gitops/git/git-runner.js';
import { gitRemote } from '../../support/git-repo.js';
import { serveGitOverHttp } from '../../support/git-http.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'drover-gitrun-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

it('reads no configuration from HOME and none from the system', async () => {
  writeFileSync(join(root, '.gitconfig'), '[user]\n\tname = From Home\n[alias]\n\tpwn = !touch pwned\n');
  const runner = new GitRunner({ home: root });
  const out = await runner.run(['config', '--show-origin', '--list'], { cwd: root });
  expect(out.stdout).not.toContain('From Home');
  expect(out.stdout).not.toMatch(/^file:/m);
  expect(out.stdout).toContain('command line:\tcore.hookspath=/dev/null');
  await expect(runner.run(['pwn'], { cwd: root })).rejects.toMatchObject({ code: 'gitops_git_failed' });
});

it('puts the token only into the environment, as a Basic header, and follows no redirects with it', () => {
  const env = gitEnvironment({}, { auth: { token: 'tok-abc', user: 'oauth2' } });
  const values = Object.entries(env);
  expect(values).toContainEqual(['GIT_CONFIG_VALUE_5', `Authorization: Basic ${Buffer.from('oauth2:tok-abc').toString('base64')}`]);
  expect(env).toMatchObject({ GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '/bin/false', GIT_ALLOW_PROTOCOL: 'https', LC_ALL: 'C' });
  expect(values.find(([, v]) => v === 'http.followRedirects')).toBeDefined();
  expect(Object.keys(env).some((k) => /TOKEN|SECRET/i.test(k))).toBe(false);
});

it('sends the token as a header git-http-backend accepts, and scrubs it from failures', async () => {
  const remote = gitRemote(root);
  const sha = remote.commit({ 'a.txt': 'a\n' }, 'first');
  const token = 'tok-ThisIsTheSecret-0123456789';
  const http = await serveGitOverHttp({ projectRoot: root, token, user: 'oauth2' });
  try {
    const runner = new GitRunner({ allowProtocol: 'http' });
    const ok = await runner.run(['ls-remote', `${http.url}/remote.git`, 'refs/heads/main'], { cwd: root, auth: { token, user: 'oauth2' } });
    expect(ok.stdout).toContain(sha);
    const err = await runner.run(['ls-remote', `${http.url}/remote.git`], { cwd: root, auth: { token, user: 'x-access-token' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'gitops_git_failed', retryable: false, details: { auth: true } });
    expect(JSON.stringify(err) + String((err as Error).message)).not.toContain(token);
  } finally {
    await http.close();
  }
});

it('refuses a token that would inject a header, without showing it', async () => {
  const err = await new GitRunner().run(['version'], { cwd: root, auth: { token: 'abc\nX-Evil: yes', user: 'oauth2' } }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'gitops_git_failed', details: { reason: 'invalid_token' } });
  expect((err as Error).message).not.toContain('X-Evil');
});

it('refuses protocols it is not given', async () => {
  const remote = gitRemote(root);
  remote.commit({ 'a.txt': 'a\n' }, 'first');
  await expect(new GitRunner().run(['ls-remote', `file://${remote.url}`], { cwd: root })).rejects.toMatchObject({ code: 'gitops_git_failed' });
  await expect(new GitRunner().run(['ls-remote', remote.url], { cwd: root })).rejects.toMatchObject({ code: 'gitops_git_failed' });
  expect((await new GitRunner({ allowProtocol: 'file' }).run(['ls-remote', remote.url], { cwd: root })).code).toBe(0);
});

it('keeps a bounded part of a large output', async () => {
  const remote = gitRemote(root);
  remote.commit({ 'big.txt': 'x'.repeat(300_000) }, 'big');
  const out = await new GitRunner({ maxOutputBytes: 10_000 }).run(['show', 'HEAD:big.txt'], { cwd: remote.work });
  expect(out.stdout.length).toBe(10_000);
  expect(readFileSync(join(remote.work, 'big.txt'), 'utf8').length).toBe(300_000);
});

it('stops a command at its timeout, with everything it started', async () => {
  const started = Date.now();
  // `git -c alias...` runs a shell alias; sleep stands in for a hung remote helper.
  const err = await new GitRunner({ timeoutMs: 300 }).run(['-c', 'alias.hang=!sleep 31.77', 'hang'], { cwd: root }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'gitops_git_failed', retryable: true });
  expect(Date.now() - started).toBeLessThan(5_000);
  await new Promise((r) => setTimeout(r, 200));
  expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain('sleep 31.77');
});
