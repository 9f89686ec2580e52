/**
 * GitHub's REST API (api.github.com or GitHub Enterprise's /api/v3) as a
 * Forge: pull requests found by head branch, opened (a second open for the
 * same branch answers the one that exists), read with their reviews, and
 * commented on through the issue comments endpoint.
 *
 * Review states: each reviewer's latest APPROVED or CHANGES_REQUESTED review
 * counts; a DISMISSED review withdraws it; COMMENTED and PENDING reviews
 * change nothing (as on GitHub's own page).
 */
import { z } from 'zod';
import { DroverError } from '../../errors.js';
import type { Forge, OpenPullRequest, PullRequest } from '../types.js';
import { apiBase, checkNumber, checkSame, checkWebUrl, commitSha, ForgeHttp, type ForgeHttpOptions } from './forge-http.js';

const login = z.object({ login: z.string() }).nullable().optional();

const pullSchema = z.object({
  number: z.number().int().positive(),
  html_url: z.string(),
  state: z.enum(['open', 'closed']),
  merged: z.boolean().optional(),
  merged_at: z.string().nullable().optional(),
  merge_commit_sha: z.string().nullable().optional(),
  merged_by: login,
  head: z.object({ ref: z.string(), label: z.string().nullable().optional() }),
  base: z.object({ ref: z.string() }),
  // Only on a single pull request's answer; null while GitHub is still computing it.
  mergeable: z.boolean().nullable().optional(),
  mergeable_state: z.string().nullable().optional(),
});

const reviewSchema = z.object({
  user: login,
  state: z.string(),
  submitted_at: z.string().nullable().optional(),
});

type Pull = z.infer<typeof pullSchema>;

const MAX_REVIEW_PAGES = 10;

export function parseGitHubProject(project: string): { owner: string; repo: string } {
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/.exec(project ?? '');
  if (!match?.[1] || !match[2] || match[2] === '.' || match[2] === '..') {
    throw new DroverError('config_invalid', `The GitHub repository must be written owner/repo (got ${JSON.stringify(String(project).slice(0, 100))}).`);
  }
  return { owner: match[1], repo: match[2].replace(/\.git$/, '') };
}

function parse<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const result = schema.safeParse(data);
  if (!result.success) throw new DroverError('gitops_forge_failed', `GitHub's answer to ${what} does not look like GitHub's API (is the API URL right?).`, { details: { request: what } });
  return result.data;
}

/** Logins whose latest deciding review approves, and whose asks for changes. */
export function reviewVerdicts(reviews: Array<z.infer<typeof reviewSchema>>): { approvedBy: string[]; changesRequestedBy: string[] } {
  const latest = new Map<string, string>();
  for (const review of reviews) {
    const who = review.user?.login;
    if (!who) continue;
    if (review.state === 'APPROVED' || review.state === 'CHANGES_REQUESTED') latest.set(who, review.state);
    else if (review.state === 'DISMISSED') latest.delete(who);
  }
  const by = (state: string) => [...latest].filter(([, s]) => s === state).map(([who]) => who).sort();
  return { approvedBy: by('APPROVED'), changesRequestedBy: by('CHANGES_REQUESTED') };
}

export class GitHubForge implements Forge {
  readonly kind = 'github' as const;
  private readonly http: ForgeHttp;
  private readonly owner: string;
  private readonly repoPath: string;

  constructor(config: { apiUrl: string; project: string; token: string }, options: ForgeHttpOptions = {}) {
    const { owner, repo } = parseGitHubProject(config.project);
    this.owner = owner;
    this.repoPath = `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
    this.http = new ForgeHttp(
      apiBase(config.apiUrl, 'GitHub'),
      {
        name: 'GitHub',
        target: `repository ${owner}/${repo}`,
        token: config.token,
        headers: {
          Authorization: `Bearer ${config.token}`,
          Accept: 'application/vnd.github+json',
          'X-GitHub-Api-Version': '2022-11-28',
          'User-Agent': 'drover',
        },
      },
      options,
    );
  }

  async findByBranch(branch: string): Promise<PullRequest | undefined> {
    const query = new URLSearchParams({ head: `${this.owner}:${branch}`, state: 'all', sort: 'created', direction: 'desc', per_page: '10' });
    const { data } = await this.http.request('GET', `${this.repoPath}/pulls?${query.toString()}`);
    const pulls = parse(z.array(pullSchema), data, 'GET pulls');
    // head.label is `<owner>:<branch>`: a fork's branch of the same name is someone else's request.
    const newest = pulls.find((p) => p.head.ref === branch && (p.head.label == null || p.head.label === `${this.owner}:${branch}`));
    if (!newest) return undefined;
    const found = await this.get(newest.number);
    if (found.headBranch !== branch) {
      throw new DroverError('gitops_forge_failed', `GitHub listed pull request #${found.number} for ${branch}, but its head is another branch; Drover does not trust the answer.`, { details: { request: 'GET pull' } });
    }
    return found;
  }

  async open(request: OpenPullRequest): Promise<PullRequest> {
    const { status, data } = await this.http.request('POST', `${this.repoPath}/pulls`, {
      body: { title: request.title, body: request.body, head: request.head, base: request.base },
      accept: [422],
    });
    if (status === 422) {
      const words = this.http.words(data);
      if (/already exists/i.test(words)) {
        const existing = await this.findByBranch(request.head);
        if (existing) return existing;
      }
      throw new DroverError('gitops_forge_failed', `GitHub refused to open the pull request from ${request.head} into ${request.base} (HTTP 422${words ? `: ${words}` : ''}).`, {
        details: { request: 'POST pulls', status },
      });
    }
    const pull = parse(pullSchema, data, 'POST pulls');
    const opened = await this.get(pull.number);
    if (opened.headBranch !== request.head || opened.baseBranch !== request.base) {
      throw new DroverError('gitops_forge_failed', `GitHub answered the opening of ${request.head} → ${request.base} with pull request #${opened.number} of other branches; Drover does not trust the answer.`, { details: { request: 'POST pulls' } });
    }
    return opened;
  }

  async get(number: number): Promise<PullRequest> {
    checkNumber(number);
    const { data } = await this.http.request('GET', `${this.repoPath}/pulls/${number}`);
    const pull = parse(pullSchema, data, 'GET pull');
    checkSame('GitHub', number, pull.number);
    checkWebUrl(pull.html_url, 'GitHub');
    const reviews: Array<z.infer<typeof reviewSchema>> = [];
    // Chronological, 100 a page; a pull with more than 1,000 reviews is judged by its first 1,000.
    for (let page = 1; page <= MAX_REVIEW_PAGES; page++) {
      const answer = await this.http.request('GET', `${this.repoPath}/pulls/${number}/reviews?per_page=100&page=${page}`);
      const batch = parse(z.array(reviewSchema), answer.data, 'GET reviews');
      reviews.push(...batch);
      if (batch.length < 100) break;
    }
    return toPullRequest(pull, reviewVerdicts(reviews));
  }

  async comment(number: number, text: string): Promise<void> {
    checkNumber(number);
    await this.http.request('POST', `${this.repoPath}/issues/${number}/comments`, { body: { body: text } });
  }
}

function toPullRequest(pull: Pull, verdicts: { approvedBy: string[]; changesRequestedBy: string[] }): PullRequest {
  const merged = pull.merged === true || (pull.merged === undefined && !!pull.merged_at);
  return {
    number: pull.number,
    url: pull.html_url,
    state: merged ? 'merged' : pull.state,
    headBranch: pull.head.ref,
    baseBranch: pull.base.ref,
    // Before the merge, merge_commit_sha is GitHub's test merge: not a commit on the base branch.
    ...(merged && commitSha(pull.merge_commit_sha) ? { mergeSha: commitSha(pull.merge_commit_sha) } : {}),
    ...(merged && pull.merged_by?.login ? { mergedBy: pull.merged_by.login } : {}),
    // `dirty`: a merge conflict with the base (mergeable false for that reason only).
    ...(!merged && pull.state === 'open' && (pull.mergeable_state === 'dirty' || pull.mergeable === false) ? { conflicts: true } : {}),
    ...verdicts,
  };
}
