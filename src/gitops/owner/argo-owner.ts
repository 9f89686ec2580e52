/**
 * Objects Argo CD applies: the Application that tracks them, its source
 * (repoURL, path, targetRevision, Helm or plain manifests) and its sync
 * policy, which decides whether and how soon a direct change is put back.
 */
import type { K8sOps, KubeObject } from '../../k8s/types.js';
import type { DesiredStateSource } from '../types.js';
import { at, bool, record, ref, text } from './fields.js';
import { blockedText, type FoundOwner } from './found-owner.js';
import { APPLICATION, getServed } from './kinds.js';
import { suspendedByWords } from './marks.js';
import { escapesRepository, normalisePath, safeRepoUrl } from './repo-url.js';
import type { AppRef } from './argo-tracking.js';

/**
 * Argo CD's default self-heal delay (`--self-heal-timeout-seconds`, 5 s):
 * with automated sync and selfHeal, a direct change is put back about this
 * soon after the controller sees it.
 */
export const ARGO_SELF_HEAL_MS = 5000;

export const DEFAULT_ARGOCD_NAMESPACES: readonly string[] = ['argocd'];

/** The Application `app` names: in its own namespace, or the first of `namespaces` that has it. */
export async function findApplication(k8s: Pick<K8sOps, 'get'>, app: AppRef, namespaces: readonly string[]): Promise<KubeObject | undefined> {
  for (const namespace of app.namespace ? [app.namespace] : namespaces) {
    const found = await getServed(k8s, APPLICATION, namespace, app.name);
    if (found) return found;
  }
  return undefined;
}

/** A 40-hex commit, a tag-like version (`v1.2.3`, `1.4`, `refs/tags/…`): revisions a commit on a branch does not move. */
function pinnedRevision(revision: string): string | undefined {
  if (/^[0-9a-f]{40}$/i.test(revision)) return `commit ${revision}`;
  if (revision.startsWith('refs/tags/')) return `tag ${revision.slice('refs/tags/'.length)}`;
  if (/^v?\d+(\.\d+)+([-+][0-9A-Za-z.+-]*)?$/.test(revision)) return `tag ${revision}`;
  return undefined;
}

interface SyncFacts {
  suspended: boolean;
  revertsWithinMs?: number;
  policy: string;
  revert: string;
}

function syncFacts(app: KubeObject): SyncFacts {
  const automated = record(at(app, 'spec', 'syncPolicy', 'automated'));
  // Argo CD 3 can keep the automated block and switch it off with enabled: false.
  if (!automated || automated.enabled === false) {
    const by = suspendedByWords(app);
    return {
      suspended: true,
      policy: by ? `auto-sync suspended${by}` : 'auto-sync off',
      revert: by ? '; a direct change stays until auto-sync is resumed' : '; auto-sync is off, so a direct change lasts until someone syncs the Application',
    };
  }
  if (bool(automated.selfHeal) === true) {
    return {
      suspended: false,
      revertsWithinMs: ARGO_SELF_HEAL_MS,
      policy: 'auto-sync with self-heal',
      revert: `; a direct change is reverted within seconds (self-heal, ${ARGO_SELF_HEAL_MS / 1000}s by default)`,
    };
  }
  return { suspended: false, policy: 'auto-sync without self-heal', revert: '; a direct change is not reverted by itself but is overwritten at the next sync (the next commit)' };
}

/** The Application as an owner. */
export function applicationOwner(app: KubeObject): FoundOwner {
  const namespace = app.metadata.namespace ?? '';
  const name = app.metadata.name ?? '';
  const sources = at(app, 'spec', 'sources');
  const source = record(at(app, 'spec', 'source')) ?? (Array.isArray(sources) ? record(sources[0]) : undefined) ?? {};
  const repoUrl = safeRepoUrl(source.repoURL);
  const normal = normalisePath(source.path);
  const path = normal ?? '';
  const revision = text(source.targetRevision, 256) ?? '';
  const chart = text(source.chart, 256);
  const helm = record(source.helm);
  const sync = syncFacts(app);

  let branch: string | undefined;
  let pinned: string | undefined;
  if (!chart && revision !== '' && revision !== 'HEAD') {
    pinned = pinnedRevision(revision);
    if (!pinned) branch = revision.startsWith('refs/heads/') ? revision.slice('refs/heads/'.length) : revision;
  }

  let desired: DesiredStateSource = { type: 'manifests' };
  if (helm || chart) {
    const files = Array.isArray(helm?.valueFiles) ? helm.valueFiles.map((f) => text(f, 1024)).filter((f): f is string => f !== undefined && f !== '') : [];
    desired = { type: 'helm-values', valueFiles: files.length ? files : ['values.yaml'] };
  }

  let blocked: string | undefined;
  let where: string;
  if (chart) {
    where = `from Helm chart ${chart} ${revision || '(latest)'} of repository ${repoUrl ?? '(unreadable repoURL)'}`;
    blocked = 'the chart comes from a Helm repository, not git: its values are in the Application itself';
  } else {
    const branchWords = pinned ? ` (pinned to ${pinned})` : branch ? ` (branch ${branch})` : ' (default branch)';
    where = `from git repo ${repoUrl ?? '(unreadable repoURL)'} ${path ? `path ${path}` : 'at the repository root'}${branchWords}`;
    if (!repoUrl) blocked = 'its spec.source.repoURL is not usable';
    else if (pinned) blocked = `git is pinned to ${pinned}: a commit on a branch does not reach the cluster`;
    else if (normal === undefined) blocked = 'its spec.source.path is not a usable path';
    else if (escapesRepository(normal)) blocked = `its spec.source.path ${normal} leaves the repository`;
  }

  return {
    tool: 'argocd',
    kind: 'Application',
    apiVersion: app.apiVersion,
    namespace,
    name,
    repoUrl: repoUrl ?? '',
    ...(branch ? { branch } : {}),
    path: chart ? '' : path,
    source: desired,
    ...(sync.revertsWithinMs !== undefined ? { revertsWithinMs: sync.revertsWithinMs } : {}),
    suspended: sync.suspended,
    text: `managed by Argo CD Application ${ref(namespace, name)} (${sync.policy}) ${where}${sync.revert}${blockedText(blocked)}`,
    ...(blocked ? { proposeBlocked: blocked } : {}),
  };
}
