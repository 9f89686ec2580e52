/**
 * A local HTTP fake of a forge's REST API, GitHub's or GitLab's, over a REAL
 * bare git repository: merging a request is a real `git merge` (or squash)
 * pushed to that repository, so the commit the fake reports is one git knows.
 *
 * Nothing real can run here, so this is a claim about the forges, written from
 * their REST documentation. It reproduces:
 *
 * GitHub (REST, X-GitHub-Api-Version 2022-11-28):
 * - `Authorization: Bearer <token>` (or `token <token>`); otherwise 401 `{"message":"Bad credentials"}`;
 *   an unknown owner/repo 404 `{"message":"Not Found"}`; an unknown pull 404.
 * - GET /repos/{o}/{r}/pulls?head={o}:{branch}&state=all|open|closed&sort=created&direction=desc&per_page:
 *   the list omits `merged` and `merged_by` (as GitHub's list does) and pages at per_page (default 30).
 * - POST /repos/{o}/{r}/pulls {title, head, base, body} → 201; 422 "Validation Failed" with
 *   errors[{resource: PullRequest, code: custom, message: "A pull request already exists for o:branch."}]
 *   while an open pull has the same head and base; 422 errors[{field: head, code: invalid}] when the head
 *   branch does not exist in the repository.
 * - GET /repos/{o}/{r}/pulls/{n}: `state` open|closed, `merged`, `merged_at`, `merged_by.login`,
 *   `merge_commit_sha` (before the merge: a test-merge id that is not on the base branch).
 * - GET /repos/{o}/{r}/pulls/{n}/reviews?per_page&page: chronological, paged, state APPROVED | CHANGES_REQUESTED | COMMENTED.
 * - POST /repos/{o}/{r}/issues/{n}/comments {body} → 201.
 *
 * GitLab (REST v4):
 * - `PRIVATE-TOKEN: <token>` (or Bearer); otherwise 401 `{"message":"401 Unauthorized"}`; a project that
 *   is neither the URL-encoded path nor the numeric id 404 `{"message":"404 Project Not Found"}`;
 *   an unknown iid 404 `{"message":"404 Not found"}`.
 * - GET /api/v4/projects/:id/merge_requests?source_branch&state=all|opened|closed|merged&order_by=created_at (newest first).
 * - POST …/merge_requests {source_branch, target_branch, title, description} → 201; 409
 *   `{"message":["Another open merge request already exists for this source branch: !<iid>"]}`.
 * - GET …/merge_requests/:iid: `state` opened|closed|merged, `sha`, `merge_commit_sha` (a merge commit),
 *   `squash_commit_sha` (squash with fast-forward: merge_commit_sha stays null), `merged_by`, `merge_user`.
 * - GET …/merge_requests/:iid/approvals: `approved_by[].user.username`.
 * - POST …/merge_requests/:iid/notes {body} → 201.
 *
 * Not reproduced: pagination links, rate-limit headers, ETags, draft state, GitLab's check that the
 * source branch exists, GitLab's reviewer "requested changes" state.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeServer, listen } from './git-http.js';
import { git } from './git-repo.js';

export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED';

export interface FakeForgeRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: Record<string, string>;
  body?: unknown;
  status: number;
  /** The headers a client chooses (Accept, API version, User-Agent, Content-Type); never the credentials. */
  headers: Record<string, string>;
}

/** An answer the next matching request gets instead of the real one (5xx, junk, huge). */
export interface InjectedAnswer {
  status: number;
  body: string;
  contentType?: string;
  /** Only requests whose method and path match (default: the next request). */
  match?: RegExp;
}

interface Review {
  id: number;
  login: string;
  state: ReviewState;
  at: string;
}

interface Request {
  number: number;
  id: number;
  title: string;
  body: string;
  head: string;
  base: string;
  state: 'open' | 'closed' | 'merged';
  author: string;
  createdAt: string;
  closedAt?: string;
  mergedAt?: string;
  mergedBy?: string;
  mergeSha?: string;
  squashSha?: string;
  reviews: Review[];
  approvedBy: Set<string>;
  comments: string[];
}

export interface FakeForge {
  kind: 'github' | 'gitlab';
  /** The base to give createForge: http://127.0.0.1:<port> (GitLab's /api/v4 is under it). */
  apiUrl: string;
  requests: FakeForgeRequest[];
  /** With a number: closes that request unmerged. Without: stops the server. */
  close(number?: number): Promise<void>;
  /** A real merge (or squash) of the request's head into its base in the bare repository; answers the commit on the base. */
  merge(number: number, options: { by: string; method?: 'merge' | 'squash' }): string;
  review(number: number, login: string, state: ReviewState): void;
  /** The comments (GitHub) or notes (GitLab) written on a request. */
  comments(number: number): string[];
  /** The next request (matching `match`) gets this answer. */
  inject(answer: InjectedAnswer): void;
}

const BOT = 'drover-bot';

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 1024 * 1024) chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text ? JSON.parse(text) : undefined);
      } catch {
        resolve(Symbol.for('invalid-json'));
      }
    });
  });
}

export async function startFakeForge(options: { kind: 'github' | 'gitlab'; bareRepo: string; project: string; token: string; projectId?: number }): Promise<FakeForge> {
  const { kind, bareRepo, project, token } = options;
  const projectId = options.projectId ?? 4242;
  const owner = project.split('/')[0] ?? '';
  const requests: FakeForgeRequest[] = [];
  const injected: InjectedAnswer[] = [];
  const store = new Map<number, Request>();
  let next = 1;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const now = () => new Date((clock += 1000)).toISOString();
  let base = '';
  const web = 'https://forge.example.com';

  const branchSha = (branch: string): string | undefined => {
    try {
      return git(bareRepo, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`);
    } catch {
      return undefined;
    }
  };

  /** Whether an open request merges cleanly into its base, found as the forges find it: a real trial merge (git merge-tree, nothing written to a branch). */
  const mergesCleanly = (r: Request): boolean => {
    try {
      git(bareRepo, 'merge-tree', '--write-tree', `refs/heads/${r.base}`, `refs/heads/${r.head}`);
      return true;
    } catch {
      return false;
    }
  };

  const githubPull = (r: Request, full: boolean) => {
    const merged = r.state === 'merged';
    const headSha = branchSha(r.head) ?? r.mergeSha ?? null;
    const pull: Record<string, unknown> = {
      url: `${base}/repos/${project}/pulls/${r.number}`,
      id: r.id,
      node_id: `PR_${r.id}`,
      html_url: `${web}/${project}/pull/${r.number}`,
      number: r.number,
      state: r.state === 'open' ? 'open' : 'closed',
      locked: false,
      title: r.title,
      body: r.body,
      user: { login: r.author, type: 'Bot' },
      created_at: r.createdAt,
      updated_at: r.closedAt ?? r.createdAt,
      closed_at: r.closedAt ?? null,
      merged_at: r.mergedAt ?? null,
      // Before the merge GitHub reports its test merge commit here, which is on no branch.
      merge_commit_sha: merged ? r.mergeSha : sha1(`test-merge-${r.number}-${headSha}`),
      draft: false,
      head: { label: `${owner}:${r.head}`, ref: r.head, sha: headSha },
      base: { label: `${owner}:${r.base}`, ref: r.base, sha: branchSha(r.base) ?? null },
    };
    if (full) {
      pull.merged = merged;
      pull.merged_by = merged ? { login: r.mergedBy, type: 'User' } : null;
      const clean = r.state === 'open' ? mergesCleanly(r) : undefined;
      pull.mergeable = clean ?? null;
      // GitHub's word for a conflict with the base is `dirty`.
      pull.mergeable_state = clean === undefined ? 'unknown' : clean ? 'clean' : 'dirty';
      pull.comments = r.comments.length;
    }
    return pull;
  };

  const gitlabMr = (r: Request) => {
    const user = (name?: string) => (name ? { id: 7, username: name, name } : null);
    return {
      id: r.id,
      iid: r.number,
      project_id: projectId,
      title: r.title,
      description: r.body,
      state: r.state === 'open' ? 'opened' : r.state,
      created_at: r.createdAt,
      updated_at: r.closedAt ?? r.createdAt,
      merged_at: r.mergedAt ?? null,
      closed_at: r.state === 'closed' ? (r.closedAt ?? null) : null,
      merged_by: user(r.mergedBy),
      merge_user: user(r.mergedBy),
      author: user(r.author),
      source_branch: r.head,
      target_branch: r.base,
      sha: r.state === 'merged' ? (r.squashSha ?? branchSha(r.head) ?? null) : (branchSha(r.head) ?? null),
      merge_commit_sha: r.state === 'merged' && !r.squashSha ? (r.mergeSha ?? null) : null,
      squash_commit_sha: r.squashSha ?? null,
      squash: !!r.squashSha,
      web_url: `${web}/${project}/-/merge_requests/${r.number}`,
      has_conflicts: r.state === 'open' ? !mergesCleanly(r) : false,
    };
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };

  const github = (method: string, parts: string[], query: Record<string, string>, body: unknown): [number, unknown] => {
    const notFound: [number, unknown] = [404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }];
    if (parts[0] !== 'repos' || `${parts[1]}/${parts[2]}` !== project) return notFound;
    const rest = parts.slice(3);
    const pull = rest[1] ? store.get(Number(rest[1])) : undefined;
    if (rest[0] === 'pulls' && rest.length === 1 && method === 'GET') {
      const state = query.state ?? 'open';
      let list = [...store.values()].filter((r) => state === 'all' || (state === 'open' ? r.state === 'open' : r.state !== 'open'));
      if (query.head) list = list.filter((r) => `${owner}:${r.head}` === query.head);
      list.sort((a, b) => (query.direction === 'asc' ? a.number - b.number : b.number - a.number));
      return [200, list.slice(0, Number(query.per_page ?? 30)).map((r) => githubPull(r, false))];
    }
    if (rest[0] === 'pulls' && rest.length === 1 && method === 'POST') {
      const b = (body ?? {}) as { title?: string; head?: string; base?: string; body?: string };
      const missing = ['title', 'head', 'base'].filter((f) => typeof (b as Record<string, unknown>)[f] !== 'string');
      if (missing.length) return [422, { message: 'Validation Failed', errors: missing.map((field) => ({ resource: 'PullRequest', field, code: 'missing_field' })) }];
      if (!branchSha(b.head!)) return [422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }] }];
      if (!branchSha(b.base!)) return [422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', field: 'base', code: 'invalid' }] }];
      if ([...store.values()].some((r) => r.state === 'open' && r.head === b.head && r.base === b.base)) {
        return [422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${owner}:${b.head}.` }], documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request' }];
      }
      const r = create(b.title!, b.body ?? '', b.head!, b.base!);
      return [201, githubPull(r, true)];
    }
    if (rest[0] === 'pulls' && rest.length === 2 && method === 'GET') return pull ? [200, githubPull(pull, true)] : notFound;
    if (rest[0] === 'pulls' && rest[2] === 'reviews' && rest.length === 3 && method === 'GET') {
      if (!pull) return notFound;
      const reviews = pull.reviews.map((v) => ({ id: v.id, user: { login: v.login, type: 'User' }, body: '', state: v.state, submitted_at: v.at, commit_id: branchSha(pull.head) }));
      const perPage = Number(query.per_page ?? 30);
      const page = Number(query.page ?? 1);
      return [200, reviews.slice((page - 1) * perPage, page * perPage)];
    }
    if (rest[0] === 'issues' && rest[2] === 'comments' && rest.length === 3 && method === 'POST') {
      const issue = rest[1] ? store.get(Number(rest[1])) : undefined;
      if (!issue) return notFound;
      const text = (body as { body?: unknown } | undefined)?.body;
      if (typeof text !== 'string') return [422, { message: 'Validation Failed', errors: [{ resource: 'IssueComment', field: 'body', code: 'missing_field' }] }];
      issue.comments.push(text);
      return [201, { id: issue.comments.length, body: text, user: { login: BOT }, html_url: `${web}/${project}/pull/${issue.number}#issuecomment-${issue.comments.length}` }];
    }
    return notFound;
  };

  const gitlab = (method: string, parts: string[], query: Record<string, string>, body: unknown): [number, unknown] => {
    if (parts[0] !== 'api' || parts[1] !== 'v4' || parts[2] !== 'projects') return [404, { error: '404 Not Found' }];
    const id = decodeURIComponent(parts[3] ?? '');
    if (id !== project && id !== String(projectId)) return [404, { message: '404 Project Not Found' }];
    const rest = parts.slice(4);
    const notFound: [number, unknown] = [404, { message: '404 Not found' }];
    if (rest[0] !== 'merge_requests') return [404, { error: '404 Not Found' }];
    const mr = rest[1] ? store.get(Number(rest[1])) : undefined;
    if (rest.length === 1 && method === 'GET') {
      const state = query.state ?? 'all';
      let list = [...store.values()].filter((r) => state === 'all' || (state === 'opened' ? r.state === 'open' : r.state === state));
      if (query.source_branch) list = list.filter((r) => r.head === query.source_branch);
      list.sort((a, b) => (query.sort === 'asc' ? a.number - b.number : b.number - a.number));
      return [200, list.slice(0, Number(query.per_page ?? 20)).map(gitlabMr)];
    }
    if (rest.length === 1 && method === 'POST') {
      const b = (body ?? {}) as { source_branch?: string; target_branch?: string; title?: string; description?: string };
      const missing = ['source_branch', 'target_branch', 'title'].filter((f) => typeof (b as Record<string, unknown>)[f] !== 'string' || !(b as Record<string, string>)[f]);
      if (missing.length) return [400, { error: `${missing.join(', ')} is empty` }];
      const open = [...store.values()].find((r) => r.state === 'open' && r.head === b.source_branch && r.base === b.target_branch);
      if (open) return [409, { message: [`Another open merge request already exists for this source branch: !${open.number}`] }];
      return [201, gitlabMr(create(b.title!, b.description ?? '', b.source_branch!, b.target_branch!))];
    }
    if (!mr) return notFound;
    if (rest.length === 2 && method === 'GET') return [200, gitlabMr(mr)];
    if (rest[2] === 'approvals' && rest.length === 3 && method === 'GET') {
      return [200, { id: mr.id, iid: mr.number, project_id: projectId, state: gitlabMr(mr).state, approved: mr.approvedBy.size > 0, approved_by: [...mr.approvedBy].map((username) => ({ user: { id: 7, username, name: username } })) }];
    }
    if (rest[2] === 'notes' && rest.length === 3 && method === 'POST') {
      const text = (body as { body?: unknown } | undefined)?.body;
      if (typeof text !== 'string' || !text) return [400, { error: 'body is missing' }];
      mr.comments.push(text);
      return [201, { id: mr.comments.length, body: text, author: { username: BOT }, noteable_iid: mr.number, noteable_type: 'MergeRequest' }];
    }
    return notFound;
  };

  function create(title: string, body: string, head: string, baseBranch: string): Request {
    const r: Request = { number: next++, id: 1000 + next, title, body, head, base: baseBranch, state: 'open', author: BOT, createdAt: now(), reviews: [], approvedBy: new Set(), comments: [] };
    store.set(r.number, r);
    return r;
  }

  const authorised = (req: IncomingMessage): boolean => {
    const auth = req.headers.authorization ?? '';
    if (auth === `Bearer ${token}` || auth === `token ${token}`) return true;
    return kind === 'gitlab' && req.headers['private-token'] === token;
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = req.method ?? 'GET';
      const body = await readJson(req);
      const query = Object.fromEntries(url.searchParams);
      const headers: Record<string, string> = {};
      for (const name of ['accept', 'x-github-api-version', 'user-agent', 'content-type']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const record: FakeForgeRequest = { method, path: url.pathname, query, ...(body === undefined ? {} : { body }), status: 0, headers };
      requests.push(record);
      const i = injected.findIndex((a) => !a.match || a.match.test(`${method} ${url.pathname}`));
      if (i >= 0) {
        const [answer] = injected.splice(i, 1);
        record.status = answer!.status;
        res.writeHead(answer!.status, { 'Content-Type': answer!.contentType ?? 'application/json' });
        res.end(answer!.body);
        return;
      }
      if (!authorised(req)) {
        record.status = 401;
        send(res, 401, kind === 'github' ? { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } : { message: '401 Unauthorized' });
        return;
      }
      if (body === Symbol.for('invalid-json')) {
        record.status = 400;
        send(res, 400, { message: 'Problems parsing JSON' });
        return;
      }
      // Split before decoding: GitLab's project path arrives URL-encoded (group%2Fproject).
      const parts = url.pathname.split('/').filter(Boolean);
      const [status, answer] = kind === 'github' ? github(method, parts, query, body) : gitlab(method, parts, query, body);
      record.status = status;
      send(res, status, answer);
    })().catch(() => {
      res.statusCode = 500;
      res.end();
    });
  });
  const root = await listen(server);
  base = kind === 'github' ? root : `${root}/api/v4`;

  const get = (number: number): Request => {
    const r = store.get(number);
    if (!r) throw new Error(`fake forge: no request ${number}`);
    return r;
  };

  return {
    kind,
    apiUrl: root,
    requests,
    inject: (answer) => injected.push(answer),
    comments: (number) => [...get(number).comments],
    review(number, login, state) {
      const r = get(number);
      r.reviews.push({ id: r.reviews.length + 1, login, state, at: now() });
      if (state === 'APPROVED') r.approvedBy.add(login);
      else if (state === 'CHANGES_REQUESTED') r.approvedBy.delete(login);
    },
    merge(number, { by, method = 'merge' }) {
      const r = get(number);
      if (r.state !== 'open') throw new Error(`fake forge: request ${number} is ${r.state}`);
      const work = mkdtempSync(join(tmpdir(), 'fake-forge-merge-'));
      try {
        git(work, 'clone', '-q', bareRepo, 'w');
        const w = join(work, 'w');
        git(w, 'checkout', '-q', r.base);
        if (method === 'squash') {
          git(w, 'merge', '-q', '--squash', `origin/${r.head}`);
          git(w, 'commit', '-q', '-m', `${r.title} (#${r.number})`);
        } else {
          git(w, 'merge', '-q', '--no-ff', '-m', `Merge pull request #${r.number} from ${owner}/${r.head}`, `origin/${r.head}`);
        }
        git(w, 'push', '-q', 'origin', r.base);
        const sha = git(w, 'rev-parse', 'HEAD');
        r.state = 'merged';
        r.mergedAt = now();
        r.closedAt = r.mergedAt;
        r.mergedBy = by;
        if (method === 'squash' && kind === 'gitlab') r.squashSha = sha;
        else r.mergeSha = sha;
        return sha;
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
    close(number?: number) {
      if (number !== undefined) {
        const r = get(number);
        r.state = 'closed';
        r.closedAt = now();
        return Promise.resolve();
      }
      return closeServer(server);
    },
  };
}
