/**
 * The GitHub and GitLab Forge clients against the local fake of each forge's
 * REST API, over a real bare repository (merges are real git merges).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DroverError } from '../../../src/errors.js';
import { createForge } from '../../../src/gitops/forge/create-forge.js';
import type { Forge } from '../../../src/gitops/types.js';
import { startFakeForge, type FakeForge } from '../../support/fake-forge.js';
import { freePort } from '../../support/free-port.js';
import { git, gitRemote } from '../../support/git-repo.js';

const TOKEN = 'ghp_FakeForgeToken0123456789abcdefABCD';

describe.each(['github', 'gitlab'] as const)('%s forge client', (kind) => {
  const project = kind === 'github' ? 'acme/fleet' : 'acme/platform/fleet';
  let root: string;
  let remote: ReturnType<typeof gitRemote>;
  let fake: FakeForge;
  let forge: Forge;
  let headSha: string;

  function pushBranch(branch: string, text: string): string {
    git(remote.work, 'checkout', '-q', '-B', branch, 'main');
    remote.commit({ 'apps/web/deployment.yaml': text }, `scale (${branch})`);
    git(remote.work, 'push', '-q', remote.url, `${branch}:${branch}`);
    const sha = git(remote.work, 'rev-parse', 'HEAD');
    git(remote.work, 'checkout', '-q', 'main');
    return sha;
  }

  const request = (head = 'drover/scale-web') => ({ title: 'Scale web to 5', body: 'Requested by @ana for alert HighLatency', head, base: 'main' });

  async function failure(p: Promise<unknown>): Promise<DroverError> {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DroverError);
    const e = err as DroverError;
    expect(e.code).toBe('gitops_forge_failed');
    expect(`${e.message} ${JSON.stringify(e.details)}`).not.toContain(TOKEN);
    return e;
  }

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'drover-forge-'));
    remote = gitRemote(root);
    remote.commit({ 'apps/web/deployment.yaml': 'replicas: 3\n' }, 'first');
    headSha = pushBranch('drover/scale-web', 'replicas: 5\n');
    fake = await startFakeForge({ kind, bareRepo: remote.url, project, token: TOKEN });
    forge = createForge({ type: kind, apiUrl: fake.apiUrl, project, token: TOKEN }, { timeoutMs: 5_000 });
  });

  afterEach(async () => {
    await fake.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('says when an open request conflicts with its base (a real trial merge), and not before', async () => {
    const pr = await forge.open(request());
    expect((await forge.get(pr.number)).conflicts).toBeUndefined();
    // Someone changes the same line on main: the request no longer merges as it is.
    remote.commit({ 'apps/web/deployment.yaml': 'replicas: 4\n' }, 'someone else scaled');
    git(remote.work, 'push', '-q', remote.url, 'main:main');
    expect((await forge.get(pr.number)).conflicts).toBe(true);
  });

  it('opens a request and finds it by its branch', async () => {
    expect(await forge.findByBranch('drover/scale-web')).toBeUndefined();
    const pr = await forge.open(request());
    expect(pr.url).toMatch(kind === 'github' ? /\/acme\/fleet\/pull\/1$/ : /\/acme\/platform\/fleet\/-\/merge_requests\/1$/);
    expect(pr).toEqual({
      number: 1,
      url: pr.url,
      state: 'open',
      headBranch: 'drover/scale-web',
      baseBranch: 'main',
      approvedBy: [],
      changesRequestedBy: [],
    });
    expect(await forge.findByBranch('drover/scale-web')).toEqual(pr);
    expect(await forge.findByBranch('drover/other')).toBeUndefined();
    const list = fake.requests.find((r) => r.method === 'GET' && /(pulls|merge_requests)$/.test(r.path))!;
    if (kind === 'github') {
      expect(list.path).toBe('/repos/acme/fleet/pulls');
      expect(list.query).toMatchObject({ head: 'acme:drover/scale-web', state: 'all', sort: 'created', direction: 'desc' });
      const post = fake.requests.find((r) => r.method === 'POST')!;
      expect(post.body).toEqual({ title: 'Scale web to 5', body: 'Requested by @ana for alert HighLatency', head: 'drover/scale-web', base: 'main' });
      expect(post.headers).toMatchObject({ accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'drover', 'content-type': 'application/json' });
    } else {
      expect(list.path).toBe('/api/v4/projects/acme%2Fplatform%2Ffleet/merge_requests');
      expect(list.query).toMatchObject({ source_branch: 'drover/scale-web', state: 'all', order_by: 'created_at' });
      expect(fake.requests.find((r) => r.method === 'POST')!.body).toEqual({ source_branch: 'drover/scale-web', target_branch: 'main', title: 'Scale web to 5', description: 'Requested by @ana for alert HighLatency' });
    }
  });

  it('answers the existing request when one is already open for the branch (a retried run)', async () => {
    const first = await forge.open(request());
    const again = await forge.open(request());
    expect(again.number).toBe(first.number);
    expect(fake.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([201, kind === 'github' ? 422 : 409]);
  });

  it('reports who approves and who asks for changes, by each reviewer\'s latest review', async () => {
    const pr = await forge.open(request());
    fake.review(pr.number, 'alice', 'APPROVED');
    fake.review(pr.number, 'bob', 'CHANGES_REQUESTED');
    fake.review(pr.number, 'alice', 'COMMENTED');
    const seen = await forge.get(pr.number);
    expect(seen.approvedBy).toEqual(['alice']);
    expect(seen.changesRequestedBy).toEqual(kind === 'github' ? ['bob'] : []);
    fake.review(pr.number, 'bob', 'APPROVED');
    fake.review(pr.number, 'alice', 'CHANGES_REQUESTED');
    const later = await forge.get(pr.number);
    expect(later.approvedBy).toEqual(kind === 'github' ? ['bob'] : ['bob']);
    expect(later.changesRequestedBy).toEqual(kind === 'github' ? ['alice'] : []);
  });

  it('reads every page of reviews', async () => {
    const pr = await forge.open(request());
    for (let i = 0; i < 120; i++) fake.review(pr.number, `r${i}`, 'COMMENTED');
    fake.review(pr.number, 'late', 'APPROVED');
    expect((await forge.get(pr.number)).approvedBy).toEqual(['late']);
  });

  it('reports a real merge: the commit on the base branch and who merged', async () => {
    const pr = await forge.open(request());
    expect((await forge.get(pr.number)).mergeSha).toBeUndefined();
    const sha = fake.merge(pr.number, { by: 'carol' });
    const merged = await forge.get(pr.number);
    expect(merged).toMatchObject({ state: 'merged', mergeSha: sha, mergedBy: 'carol' });
    expect(git(remote.url, 'rev-parse', 'refs/heads/main')).toBe(sha);
    expect(git(remote.url, 'rev-parse', `${sha}^2`)).toBe(headSha);
    expect(await forge.findByBranch('drover/scale-web')).toMatchObject({ state: 'merged', mergeSha: sha });
  });

  it('reports a squash merge by its squash commit', async () => {
    const pr = await forge.open(request());
    const sha = fake.merge(pr.number, { by: 'dave', method: 'squash' });
    expect(await forge.get(pr.number)).toMatchObject({ state: 'merged', mergeSha: sha, mergedBy: 'dave' });
    expect(git(remote.url, 'show', `${sha}:apps/web/deployment.yaml`)).toBe('replicas: 5');
  });

  it('reports a request closed without merge, and opens a new one for the branch afterwards', async () => {
    const pr = await forge.open(request());
    await fake.close(pr.number);
    const closed = await forge.get(pr.number);
    expect(closed.state).toBe('closed');
    expect(closed.mergeSha).toBeUndefined();
    const reopened = await forge.open(request());
    expect(reopened.number).toBe(2);
    expect((await forge.findByBranch('drover/scale-web'))?.number).toBe(2);
  });

  it('comments on the request', async () => {
    const pr = await forge.open(request());
    await forge.comment(pr.number, 'Merged; waiting for Flux to sync.');
    expect(fake.comments(pr.number)).toEqual(['Merged; waiting for Flux to sync.']);
  });

  it('fails on a wrong token with a hint about the secret, never the token', async () => {
    const wrong = createForge({ type: kind, apiUrl: fake.apiUrl, project, token: `${TOKEN}-wrong` });
    const e = await failure(wrong.findByBranch('drover/scale-web'));
    expect(e.details.status).toBe(401);
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/refused the token.*check the forge token/);
    expect(e.message).not.toContain(`${TOKEN}-wrong`);
  });

  it('fails on an unknown project or request with 404', async () => {
    const other = createForge({ type: kind, apiUrl: fake.apiUrl, project: kind === 'github' ? 'acme/nope' : 'acme/nope', token: TOKEN });
    const e = await failure(other.findByBranch('drover/scale-web'));
    expect(e.details.status).toBe(404);
    expect(e.message).toContain('does not exist, or the token cannot see it');
    expect((await failure(forge.get(99))).details.status).toBe(404);
  });

  it('refuses an open the forge does not take', async () => {
    const e = await failure(forge.open(request(kind === 'github' ? 'no-such-branch' : '')));
    expect(e.details.status).toBe(kind === 'github' ? 422 : 400);
  });

  it('marks 5xx and 429 retryable', async () => {
    fake.inject({ status: 503, body: '<html>unavailable</html>', contentType: 'text/html' });
    const e = await failure(forge.findByBranch('drover/scale-web'));
    expect(e).toMatchObject({ retryable: true, details: { status: 503 } });
    fake.inject({ status: 429, body: '{"message":"slow down"}' });
    expect(await failure(forge.findByBranch('drover/scale-web'))).toMatchObject({ retryable: true, details: { status: 429 } });
    fake.inject({ status: 500, body: '{"message":"boom"}' });
    expect(await failure(forge.comment(1, 'x'))).toMatchObject({ retryable: true, details: { status: 500 } });
  });

  it('refuses an answer larger than 1 MiB', async () => {
    fake.inject({ status: 200, body: JSON.stringify([{ filler: 'x'.repeat(1100 * 1024) }]) });
    const e = await failure(forge.findByBranch('drover/scale-web'));
    expect(e.message).toContain('larger than 1024 KiB');
    expect(e.details.status).toBe(200);
  });

  it('refuses an answer that is not JSON, or not the forge\'s shape', async () => {
    fake.inject({ status: 200, body: '<html><body>Sign in</body></html>', contentType: 'text/html' });
    const e = await failure(forge.findByBranch('drover/scale-web'));
    expect(e.message).toContain('not JSON');
    expect(e.details.status).toBe(200);
    fake.inject({ status: 200, body: '{"items":[]}' });
    expect((await failure(forge.findByBranch('drover/scale-web'))).message).toContain('does not look like');
  });

  it('never repeats a token the forge echoes back', async () => {
    fake.inject({ status: 422, body: JSON.stringify({ message: `Validation Failed for token ${TOKEN}`, errors: [{ message: `bad ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }] }), match: /^POST / });
    const e = await failure(forge.open(request()));
    expect(e.message).toContain('***');
  });

  it('fails retryably when the forge does not answer in time, or not at all', async () => {
    const hanging = createForge(
      { type: kind, apiUrl: fake.apiUrl, project, token: TOKEN },
      {
        timeoutMs: 300,
        fetch: (_url, init) =>
          new Promise<Response>((_resolve, reject) => {
            init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error));
          }),
      },
    );
    const e = await failure(hanging.get(1));
    expect(e.retryable).toBe(true);
    expect(e.message).toContain('no answer within 300 ms');
    const port = await freePort();
    const down = createForge({ type: kind, apiUrl: `http://127.0.0.1:${port}`, project, token: TOKEN });
    expect(await failure(down.get(1))).toMatchObject({ retryable: true });
  });
});

describe('gitlab project by numeric id', () => {
  it('addresses the project by its id', async () => {
    const root = mkdtempSync(join(tmpdir(), 'drover-forge-id-'));
    const remote = gitRemote(root);
    remote.commit({ 'a.txt': 'a\n' }, 'first');
    const fake = await startFakeForge({ kind: 'gitlab', bareRepo: remote.url, project: 'acme/fleet', token: TOKEN, projectId: 77 });
    try {
      const forge = createForge({ type: 'gitlab', apiUrl: `${fake.apiUrl}/api/v4/`, project: '77', token: TOKEN });
      expect(await forge.findByBranch('x')).toBeUndefined();
      expect(fake.requests[0]!.path).toBe('/api/v4/projects/77/merge_requests');
    } finally {
      await fake.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
