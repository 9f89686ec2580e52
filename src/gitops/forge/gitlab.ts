/**
 * GitLab's REST API v4 as a Forge: merge requests found by source branch,
 * opened (409 "another open merge request already exists" answers that one),
 * read with their approvals, and commented on with notes.
 *
 * GitLab states: opened and locked are open, closed, merged. The commit on
 * the target branch is the merge commit, else the squash commit (squash with
 * fast-forward), else the head (a fast-forward merge puts it there as is).
 * The approvals API lists who approves; GitLab has no "changes requested"
 * there, so changesRequestedBy is always empty.
 */
import { z } from 'zod';
import { DroverError } from '../../errors.js';
import type { Forge, OpenPullRequest, PullRequest } from '../types.js';
import { apiBase, checkNumber, checkSame, checkWebUrl, commitSha, ForgeHttp, type ForgeHttpOptions } from './forge-http.js';

const user = z.object({ username: z.string() }).nullable().optional();

const mergeRequestSchema = z.object({
  iid: z.number().int().positive(),
  web_url: z.string(),
  state: z.enum(['opened', 'closed', 'merged', 'locked']),
  source_branch: z.string(),
  target_branch: z.string(),
  source_project_id: z.number().nullable().optional(),
  target_project_id: z.number().nullable().optional(),
  sha: z.string().nullable().optional(),
  merge_commit_sha: z.string().nullable().optional(),
  squash_commit_sha: z.string().nullable().optional(),
  merged_by: user,
  merge_user: user,
  has_conflicts: z.boolean().optional(),
});

const approvalsSchema = z.object({
  approved_by: z.array(z.object({ user: z.object({ username: z.string() }) })).optional(),
});

type MergeRequest = z.infer<typeof mergeRequestSchema>;

/** `group/sub/project` or a numeric id, as the API path wants it (URL-encoded). */
export function gitLabProjectId(project: string): string {
  const text = String(project ?? '');
  if (/^[1-9][0-9]{0,18}$/.test(text)) return text;
  const parts = text.replace(/\.git$/, '').split('/');
  if (parts.length < 2 || parts.some((p) => !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/.test(p) || p.endsWith('.'))) {
    throw new DroverError('config_invalid', `The GitLab project must be its path (group/project, group/sub/project) or its numeric id (got ${JSON.stringify(text.slice(0, 100))}).`);
  }
  return encodeURIComponent(parts.join('/'));
}

function parse<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const result = schema.safeParse(data);
  if (!result.success) throw new DroverError('gitops_forge_failed', `GitLab's answer to ${what} does not look like GitLab's API (is the API URL right?).`, { details: { request: what } });
  return result.data;
}

export class GitLabForge implements Forge {
  readonly kind = 'gitlab' as const;
  private readonly http: ForgeHttp;
  private readonly projectPath: string;

  constructor(config: { apiUrl: string; project: string; token: string }, options: ForgeHttpOptions = {}) {
    const id = gitLabProjectId(config.project);
    this.projectPath = `/projects/${id}`;
    const base = apiBase(config.apiUrl, 'GitLab');
    this.http = new ForgeHttp(
      /\/api\/v4$/.test(base) ? base : `${base}/api/v4`,
      { name: 'GitLab', target: `project ${decodeURIComponent(id)}`, token: config.token, headers: { 'PRIVATE-TOKEN': config.token, Accept: 'application/json', 'User-Agent': 'drover' } },
      options,
    );
  }

  async findByBranch(branch: string): Promise<PullRequest | undefined> {
    const query = new URLSearchParams({ source_branch: branch, state: 'all', order_by: 'created_at', sort: 'desc', per_page: '10' });
    const { data } = await this.http.request('GET', `${this.projectPath}/merge_requests?${query.toString()}`);
    const list = parse(z.array(mergeRequestSchema), data, 'GET merge_requests');
    // A fork's branch of the same name (source project ≠ target project) is someone else's request.
    const newest = list.find((mr) => mr.source_branch === branch && !fromFork(mr));
    if (!newest) return undefined;
    const found = await this.get(newest.iid);
    if (found.headBranch !== branch) {
      throw new DroverError('gitops_forge_failed', `GitLab listed merge request !${found.number} for ${branch}, but its source is another branch; Drover does not trust the answer.`, { details: { request: 'GET merge_request' } });
    }
    return found;
  }

  async open(request: OpenPullRequest): Promise<PullRequest> {
    const { status, data } = await this.http.request('POST', `${this.projectPath}/merge_requests`, {
      body: { source_branch: request.head, target_branch: request.base, title: request.title, description: request.body },
      accept: [409],
    });
    if (status === 409) {
      const existing = await this.findByBranch(request.head);
      if (existing) return existing;
      throw new DroverError('gitops_forge_failed', `GitLab says a merge request from ${request.head} already exists, but none was found for that branch.`, { details: { request: 'POST merge_requests', status } });
    }
    const opened = await this.get(parse(mergeRequestSchema, data, 'POST merge_requests').iid);
    if (opened.headBranch !== request.head || opened.baseBranch !== request.base) {
      throw new DroverError('gitops_forge_failed', `GitLab answered the opening of ${request.head} → ${request.base} with merge request !${opened.number} of other branches; Drover does not trust the answer.`, { details: { request: 'POST merge_requests' } });
    }
    return opened;
  }

  async get(number: number): Promise<PullRequest> {
    checkNumber(number);
    const { data } = await this.http.request('GET', `${this.projectPath}/merge_requests/${number}`);
    const mr = parse(mergeRequestSchema, data, 'GET merge_request');
    checkSame('GitLab', number, mr.iid);
    checkWebUrl(mr.web_url, 'GitLab');
    if (fromFork(mr)) throw new DroverError('gitops_forge_failed', `GitLab's merge request !${number} comes from a fork, not from Drover's branch; Drover does not trust it.`, { details: { request: 'GET merge_request' } });
    const approvals = await this.http.request('GET', `${this.projectPath}/merge_requests/${number}/approvals`);
    const approvedBy = (parse(approvalsSchema, approvals.data, 'GET approvals').approved_by ?? []).map((a) => a.user.username).sort();
    return toPullRequest(mr, approvedBy);
  }

  async comment(number: number, text: string): Promise<void> {
    checkNumber(number);
    await this.http.request('POST', `${this.projectPath}/merge_requests/${number}/notes`, { body: { body: text } });
  }
}

function fromFork(mr: MergeRequest): boolean {
  return typeof mr.source_project_id === 'number' && typeof mr.target_project_id === 'number' && mr.source_project_id !== mr.target_project_id;
}

function toPullRequest(mr: MergeRequest, approvedBy: string[]): PullRequest {
  const state = mr.state === 'merged' ? 'merged' : mr.state === 'closed' ? 'closed' : 'open';
  // Only a full commit id is taken for the merge's commit; the first one GitLab names decides (no falling through to a later field).
  const named = mr.merge_commit_sha ?? mr.squash_commit_sha ?? mr.sha ?? undefined;
  const mergeSha = state === 'merged' ? commitSha(named) : undefined;
  const mergedBy = state === 'merged' ? (mr.merged_by?.username ?? mr.merge_user?.username) : undefined;
  return {
    number: mr.iid,
    url: mr.web_url,
    state,
    headBranch: mr.source_branch,
    baseBranch: mr.target_branch,
    ...(mergeSha ? { mergeSha } : {}),
    ...(mergedBy ? { mergedBy } : {}),
    approvedBy,
    changesRequestedBy: [],
    ...(state === 'open' && mr.has_conflicts === true ? { conflicts: true } : {}),
  };
}
