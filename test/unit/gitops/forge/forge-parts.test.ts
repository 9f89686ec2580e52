/**
 * The pure parts of the forge clients: review verdicts, project names, API
 * base URLs, the forge's words in errors and the scrubbing of tokens.
 */
import { apiBase, checkNumber, forgeWords } from '../../../../src/gitops/forge/forge-http.js';
import { createForge } from '../../../../src/gitops/forge/create-forge.js';
import { parseGitHubProject, reviewVerdicts } from '../../../../src/gitops/forge/github.js';
import { gitLabProjectId } from '../../../../src/gitops/forge/gitlab.js';
import { scrubSecrets } from '../../../../src/gitops/git/scrub.js';

const review = (login: string, state: string) => ({ user: { login }, state, submitted_at: '2026-01-01T00:00:00Z' });

describe('reviewVerdicts', () => {
  it('counts each reviewer\'s latest approving or change-requesting review', () => {
    expect(reviewVerdicts([review('a', 'APPROVED'), review('b', 'CHANGES_REQUESTED'), review('a', 'COMMENTED'), review('c', 'PENDING')])).toEqual({ approvedBy: ['a'], changesRequestedBy: ['b'] });
    expect(reviewVerdicts([review('a', 'CHANGES_REQUESTED'), review('a', 'APPROVED')])).toEqual({ approvedBy: ['a'], changesRequestedBy: [] });
    expect(reviewVerdicts([review('a', 'APPROVED'), review('a', 'DISMISSED')])).toEqual({ approvedBy: [], changesRequestedBy: [] });
    expect(reviewVerdicts([{ user: null, state: 'APPROVED' }])).toEqual({ approvedBy: [], changesRequestedBy: [] });
  });
});

describe('project names', () => {
  it('takes owner/repo for GitHub', () => {
    expect(parseGitHubProject('acme/fleet.git')).toEqual({ owner: 'acme', repo: 'fleet' });
    for (const bad of ['acme', 'acme/fleet/x', '../x', 'acme/..', 'ac me/x', 'acme/x?y', '']) expect(() => parseGitHubProject(bad)).toThrow(/owner\/repo/);
  });

  it('takes a path or a numeric id for GitLab, URL-encoded', () => {
    expect(gitLabProjectId('acme/platform/fleet')).toBe('acme%2Fplatform%2Ffleet');
    expect(gitLabProjectId('42')).toBe('42');
    for (const bad of ['fleet', 'acme/../x', 'acme//x', 'acme/x%2F', '0', 'acme/x?y']) expect(() => gitLabProjectId(bad)).toThrow(/GitLab project/);
  });
});

describe('apiBase', () => {
  it('keeps the path prefix and refuses credentials, queries and other schemes', () => {
    expect(apiBase('https://github.example.com/api/v3/', 'GitHub')).toBe('https://github.example.com/api/v3');
    expect(() => apiBase('https://user:tok@api.github.com', 'GitHub')).toThrow(/credentials/);
    expect(() => apiBase('https://user:tok@api.github.com', 'GitHub')).not.toThrow(/tok@/);
    expect(() => apiBase('https://api.github.com/?x=1', 'GitHub')).toThrow(/query/);
    expect(() => apiBase('file:///etc/passwd', 'GitHub')).toThrow(/http/);
    expect(() => apiBase('not a url', 'GitHub')).toThrow(/not a valid URL/);
  });
});

describe('createForge', () => {
  it('needs a token and a known type', () => {
    let missing: unknown;
    try {
      createForge({ type: 'github', apiUrl: 'https://api.github.com', project: 'a/b', token: '' });
    } catch (err) {
      missing = err;
    }
    expect(missing).toMatchObject({ code: 'gitops_unconfigured' });
    for (const token of ['zq9\r\nX-Evil: 1', 'zq9 en', 'zq9ö']) {
      expect(() => createForge({ type: 'gitlab', apiUrl: 'https://gitlab.com', project: 'a/b', token })).toThrow(/spaces, line breaks/);
      expect(() => createForge({ type: 'gitlab', apiUrl: 'https://gitlab.com', project: 'a/b', token })).not.toThrow(/zq9/);
    }
    expect(() => createForge({ type: 'bitbucket' as 'github', apiUrl: 'https://x', project: 'a/b', token: 't' })).toThrow(/Unknown forge type/);
    expect(createForge({ type: 'gitlab', apiUrl: 'https://gitlab.com', project: 'a/b', token: 't' }).kind).toBe('gitlab');
  });

  it('numbers are positive integers', () => {
    for (const n of [0, -1, 1.5, NaN, Number.MAX_SAFE_INTEGER + 2]) expect(() => checkNumber(n)).toThrow(/not a pull request number/);
  });
});

describe('forgeWords and scrubSecrets', () => {
  const token = 'glpat-Secret0123456789abcdef';

  it('quotes the forge\'s message shapes, short and without the token', () => {
    expect(forgeWords({ message: 'Validation Failed', errors: [{ message: 'A pull request already exists for a:b.' }] }, token)).toBe('Validation Failed; A pull request already exists for a:b.');
    expect(forgeWords({ message: ['Another open merge request already exists for this source branch: !3'] }, token)).toContain('!3');
    expect(forgeWords({ message: { source_branch: ['is invalid'] } }, token)).toBe('source_branch is invalid');
    expect(forgeWords({ error: `bad ${token}` }, token)).toBe('bad ***');
    expect(forgeWords({ message: 'x'.repeat(1000) }, token).length).toBeLessThan(310);
    expect(forgeWords('text', token)).toBe('');
  });

  it('removes the token in every form it travels in', () => {
    const forms = [
      token,
      encodeURIComponent(token),
      Buffer.from(`oauth2:${token}`).toString('base64'),
      Buffer.from(`x-access-token:${token}`).toString('base64'),
      Buffer.from(`someone:${token}`).toString('base64'),
      Buffer.from(`Bearer ${token} and more`).toString('base64url'),
      `https://oauth2:${token}@gitlab.example.com/x.git`,
      `Authorization: Basic ${Buffer.from(`u:${token}`).toString('base64')}`,
      `PRIVATE-TOKEN: ${token}`,
    ];
    for (const form of forms) {
      const out = scrubSecrets(`fatal: ${form} failed`, [token]);
      expect(out).not.toContain(token);
      expect(out).not.toContain(form);
    }
    expect(scrubSecrets('https://user:pw@host/x', [])).toBe('https://***@host/x');
    expect(scrubSecrets('sha 0123456789abcdef0123456789abcdef01234567 ok', [token])).toContain('0123456789abcdef0123456789abcdef01234567');
  });
});
