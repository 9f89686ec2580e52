/**
 * A hostile or confused forge answer (or something in between answering for
 * it) is not trusted blindly: the page link must be a web link, the request
 * read must be the one asked for and come from the repository's own branch
 * (not a fork's branch of the same name), a merge commit must be a commit id,
 * and the token never comes back in an error.
 */
import { DroverError } from '../../../src/errors.js';
import { createForge } from '../../../src/gitops/forge/create-forge.js';

const TOKEN = 'ghp_AttackToken0123456789abcdefABCDEF';
type Route = (path: string, init: RequestInit) => { status?: number; body: unknown } | undefined;

function scripted(route: Route): typeof fetch {
  const answer = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const a = route(url.pathname + url.search, init);
    if (!a) return Promise.resolve(new Response(JSON.stringify({ message: 'Not Found' }), { status: 404 }));
    return Promise.resolve(new Response(JSON.stringify(a.body), { status: a.status ?? 200, headers: { 'content-type': 'application/json' } }));
  };
  return answer;
}

function pull(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    number: 7,
    html_url: 'https://github.com/acme/fleet/pull/7',
    state: 'closed',
    merged: true,
    merge_commit_sha: 'a'.repeat(40),
    merged_by: { login: 'bob' },
    head: { ref: 'drover/r-1-abcdef12', label: 'acme:drover/r-1-abcdef12' },
    base: { ref: 'main' },
    ...over,
  };
}

function github(answer: (p: string) => unknown) {
  return createForge(
    { type: 'github', apiUrl: 'https://api.github.test', project: 'acme/fleet', token: TOKEN },
    {
      fetch: scripted((p) => {
        if (p.includes('/reviews')) return { body: [] };
        const body = answer(p);
        return body === undefined ? undefined : { body };
      }),
    },
  );
}

function mr(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iid: 7,
    web_url: 'https://gitlab.test/acme/fleet/-/merge_requests/7',
    state: 'merged',
    source_branch: 'drover/r-1-abcdef12',
    target_branch: 'main',
    source_project_id: 42,
    target_project_id: 42,
    merge_commit_sha: 'b'.repeat(40),
    ...over,
  };
}

function gitlab(answer: (p: string) => unknown) {
  return createForge(
    { type: 'gitlab', apiUrl: 'https://gitlab.test', project: 'acme/fleet', token: TOKEN },
    {
      fetch: scripted((p) => {
        if (p.endsWith('/approvals')) return { body: { approved_by: [] } };
        const body = answer(p);
        return body === undefined ? undefined : { body };
      }),
    },
  );
}

async function refused(p: Promise<unknown>): Promise<DroverError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DroverError);
  expect((err as DroverError).code).toBe('gitops_forge_failed');
  expect(`${(err as DroverError).message} ${JSON.stringify((err as DroverError).details)}`).not.toContain(TOKEN);
  return err as DroverError;
}

describe('GitHub answers', () => {
  test('a page link that is not an http(s) web link is refused', async () => {
    for (const html_url of ['javascript:alert(1)', 'data:text/html,<script>', 'https://x.test/a b', 'https://user:pw@github.com/acme/fleet/pull/7', 'https://github.com/acme/fleet/pull/7\n<@channel>']) {
      await refused(github(() => pull({ html_url })).get(7));
    }
  });

  test('an answer about another pull request than the one asked for is refused', async () => {
    await refused(github(() => pull({ number: 8 })).get(7));
  });

  test("a pull request from a fork's branch of the same name is not Drover's", async () => {
    const forge = github((p) => (p.includes('/pulls?') ? [pull({ head: { ref: 'drover/r-1-abcdef12', label: 'mallory:drover/r-1-abcdef12' } })] : pull()));
    expect(await forge.findByBranch('drover/r-1-abcdef12')).toBeUndefined();
  });

  test('the request read by its branch must still have that branch as its head', async () => {
    const forge = github((p) => (p.includes('/pulls?') ? [pull()] : pull({ head: { ref: 'other' } })));
    await refused(forge.findByBranch('drover/r-1-abcdef12'));
  });

  test('a merge commit that is not a commit id is not taken for one', async () => {
    for (const merge_commit_sha of ['main', '--upload-pack=touch /tmp/x', 'HEAD~1', 'g'.repeat(40)]) {
      const seen = await github(() => pull({ merge_commit_sha })).get(7);
      expect(seen.state).toBe('merged');
      expect(seen.mergeSha).toBeUndefined();
    }
  });

  test('a 401 echoing the token (plain, URL-encoded, in Basic form) does not leak it', async () => {
    const basic = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
    const forge = createForge(
      { type: 'github', apiUrl: 'https://api.github.test', project: 'acme/fleet', token: TOKEN },
      { fetch: scripted(() => ({ status: 401, body: { message: `Bad credentials ${TOKEN} ${encodeURIComponent(TOKEN)} Basic ${basic}`, errors: [{ code: TOKEN, field: [TOKEN] }] } })) },
    );
    const err = await refused(forge.get(7));
    expect(err.message).not.toContain(basic);
  });
});

describe('GitLab answers', () => {
  test('a page link that is not an http(s) web link is refused', async () => {
    await refused(gitlab(() => mr({ web_url: 'javascript:alert(1)' })).get(7));
  });

  test('an answer about another merge request than the one asked for is refused', async () => {
    await refused(gitlab(() => mr({ iid: 8 })).get(7));
  });

  test("a merge request from a fork's branch of the same name is not Drover's", async () => {
    const forge = gitlab((p) => (p.includes('/merge_requests?') ? [mr({ source_project_id: 666 })] : mr({ source_project_id: 666 })));
    expect(await forge.findByBranch('drover/r-1-abcdef12')).toBeUndefined();
  });

  test('a merge commit that is not a commit id is not taken for one', async () => {
    const seen = await gitlab(() => mr({ merge_commit_sha: '--output=/etc/passwd', squash_commit_sha: null, sha: 'not-hex' })).get(7);
    expect(seen.state).toBe('merged');
    expect(seen.mergeSha).toBeUndefined();
  });
});

describe('opening', () => {
  test('an open answered with a request of other branches is refused', async () => {
    const gh = github(() => pull({ state: 'open', merged: false, head: { ref: 'main' }, base: { ref: 'drover/r-1-abcdef12' } }));
    await refused(gh.open({ title: 't', body: 'b', head: 'drover/r-1-abcdef12', base: 'main' }));
    const gl = gitlab(() => mr({ state: 'opened', target_branch: 'production' }));
    await refused(gl.open({ title: 't', body: 'b', head: 'drover/r-1-abcdef12', base: 'main' }));
  });
});
