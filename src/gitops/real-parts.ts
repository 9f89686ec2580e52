/**
 * GitOpsParts bound to the real things: the owner lookup, reconciler status
 * and suspensions through the run's ctx.k8s, the configured repositories
 * through git (one cached clone each, a fresh worktree per change) and their
 * forge's API. A token is read from its file when it is needed, so a rotated
 * Secret is picked up, and goes only into git's environment and the forge's
 * headers.
 */
import { DroverError } from '../errors.js';
import { editRepository, renderDiff } from './edit/index.js';
import { createForge } from './forge/create-forge.js';
import type { ForgeHttpOptions } from './forge/forge-http.js';
import type { GitRepoRef, GitWorkspace } from './git/workspace.js';
import { findOwner, readReconcilerStatus, resumeOwner, suspendOwner } from './owner/index.js';
import type { GitOpsParts, PreparedChange, RepositoryHandle } from './parts.js';
import { repoKey } from './repo-url.js';
import { safeRepoUrl } from './owner/repo-url.js';
import type { GitOpsRepositorySettings, GitOpsSettings } from './settings.js';
import type { Forge } from './types.js';

export interface RealPartsOptions {
  settings: GitOpsSettings;
  workspace: GitWorkspace;
  /** Reads a token file (trimmed); a missing file is the caller's error to throw. */
  readToken(file: string): Promise<string>;
  forge?: ForgeHttpOptions;
}

interface Handle extends RepositoryHandle {
  git: GitRepoRef;
}

/** A repository URL as people see it (no credentials). */
const shown = (url: string): string => safeRepoUrl(url) ?? '(an unreadable URL)';

const DEFAULT_API = { github: 'https://api.github.com', gitlab: 'https://gitlab.com/api/v4' } as const;

async function onConflictAgain<T>(write: () => Promise<T>, tries = 5): Promise<T> {
  for (let i = 1; ; i += 1) {
    try {
      return await write();
    } catch (err) {
      if (!(err instanceof DroverError && err.code === 'k8s_conflict') || i >= tries) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 * i));
    }
  }
}

export function createGitOpsParts(options: RealPartsOptions): GitOpsParts {
  const { settings, workspace } = options;
  const forges = new Map<string, Forge>();

  function configured(url: string): GitOpsRepositorySettings | undefined {
    const key = repoKey(url);
    return key === undefined ? undefined : settings.repositories.find((r) => repoKey(r.url) === key);
  }

  async function token(repo: GitOpsRepositorySettings): Promise<string> {
    if (!repo.tokenFile) throw new DroverError('gitops_unconfigured', `The GitOps repository ${shown(repo.url)} has no tokenFile: Drover needs a token that can push branches and open pull requests.`);
    try {
      const value = (await options.readToken(repo.tokenFile)).trim();
      if (!value) throw new Error('empty');
      return value;
    } catch {
      throw new DroverError('gitops_unconfigured', `The token file of GitOps repository ${shown(repo.url)} (gitops.repositories[].tokenFile) cannot be read or is empty.`);
    }
  }

  return {
    findOwner: (k8s, object) => findOwner(k8s, object, { argocdNamespaces: settings.argocdNamespaces }),
    reconcilerStatus: (k8s, owner) => readReconcilerStatus(k8s, owner),
    // Pinned to the resourceVersion read: a reconciler writing its status meanwhile (Argo CD does, as a merge lands) is a conflict to read again and retry.
    suspend: (k8s, owner, o) => onConflictAgain(() => suspendOwner(k8s, owner, o)),
    resume: (k8s, owner, o) => onConflictAgain(() => resumeOwner(k8s, owner, o)),

    async repository(owner): Promise<Handle> {
      const blocked = owner.proposeBlocked;
      if (blocked) throw new DroverError('gitops_unconfigured', `${owner.text}: Drover cannot propose a commit (${blocked}).`);
      const repo = configured(owner.repoUrl);
      if (!repo) {
        throw new DroverError(
          'gitops_unconfigured',
          `${owner.tool === 'flux' ? 'Flux' : 'Argo CD'} ${owner.kind} ${owner.namespace}/${owner.name} pulls from ${shown(owner.repoUrl)}, which no gitops.repositories entry names: add it (url, forge, tokenFile) so Drover can propose the change. Nothing was changed.`,
        );
      }
      const secret = await token(repo);
      const apiUrl = repo.forge.apiUrl ?? DEFAULT_API[repo.forge.type];
      const forgeKey = `${repo.forge.type} ${apiUrl} ${repo.forge.project} ${secret}`;
      let forge = forges.get(forgeKey);
      if (!forge) {
        forge = createForge({ type: repo.forge.type, apiUrl, project: repo.forge.project, token: secret }, { secretHint: `gitops.repositories[].tokenFile of ${shown(repo.url)}`, ...options.forge });
        // One forge client per repository and token: a rotated token makes a new one.
        for (const k of forges.keys()) if (k.startsWith(`${repo.forge.type} ${apiUrl} ${repo.forge.project} `)) forges.delete(k);
        forges.set(forgeKey, forge);
      }
      const baseBranch = repo.baseBranch ?? owner.branch;
      return {
        url: shown(repo.url),
        forge,
        ...(baseBranch ? { baseBranch } : {}),
        git: { cloneUrl: repo.cloneUrl ?? repo.url, token: secret, tokenUser: repo.forge.type === 'gitlab' ? 'oauth2' : 'x-access-token' },
      };
    },

    async prepare(handle, request, commit): Promise<PreparedChange> {
      const { git } = handle as Handle;
      const checkout = await workspace.checkout(git, handle.baseBranch);
      try {
        const result = await editRepository(checkout.dir, request);
        const prepared: PreparedChange = { baseBranch: checkout.baseBranch, baseSha: checkout.baseSha, edits: result.edits, lines: result.lines, diff: renderDiff(result.edits) };
        if (commit && result.edits.length > 0) {
          prepared.commit = await workspace.commitAndPush(checkout, { branch: commit.branch, message: commit.message, author: settings.author, edits: result.edits });
        }
        return prepared;
      } finally {
        await checkout.release();
      }
    },

    contains: (handle, descendant, ancestor) => workspace.isAncestor((handle as Handle).git, ancestor, descendant),
  };
}
