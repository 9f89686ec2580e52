/**
 * Where a Flux Kustomization's manifests live: its spec.path in the source
 * its spec.sourceRef names (a GitRepository; an OCIRepository or Bucket is
 * not git, and propose cannot commit to it).
 */
import type { K8sOps, KubeObject } from '../../k8s/types.js';
import { at, objectName, record, ref, text } from './fields.js';
import { BUCKET, GIT_REPOSITORY, getServed, OCI_REPOSITORY } from './kinds.js';
import { escapesRepository, normalisePath, safeRepoUrl } from './repo-url.js';

export interface FluxSourceFacts {
  repoUrl: string;
  branch?: string;
  path: string;
  /** `from git repo https://… path apps/web (branch main)`. */
  where: string;
  blocked?: string;
}

/**
 * The branch a GitRepository follows. Its spec.ref fields take precedence
 * commit > name > semver > tag > branch (Flux's source-controller); all but a
 * branch pin the revision, so a commit on a branch does not reach the cluster.
 * No ref at all means Flux's default, the `master` branch.
 */
function gitRef(refField: unknown): { branch?: string; pinned?: string } {
  const r = record(refField);
  if (!r || Object.keys(r).length === 0) return { branch: 'master' };
  const commit = text(r.commit, 64);
  if (commit) return { pinned: `commit ${commit}` };
  const name = text(r.name, 256);
  if (name) {
    if (name.startsWith('refs/heads/')) return { branch: name.slice('refs/heads/'.length) };
    return { pinned: `ref ${name}` };
  }
  const semver = text(r.semver, 256);
  if (semver) return { pinned: `semver range ${semver} (tags)` };
  const tag = text(r.tag, 256);
  if (tag) return { pinned: `tag ${tag}` };
  const branch = text(r.branch, 256);
  return branch ? { branch } : { branch: 'master' };
}

function pathWords(path: string): string {
  return path ? `path ${path}` : 'at the repository root';
}

/** Reads the Kustomization's source (403 thrown, absence said in `blocked`). */
export async function fluxSourceFacts(k8s: Pick<K8sOps, 'get'>, kustomization: KubeObject): Promise<FluxSourceFacts> {
  const ksNamespace = kustomization.metadata.namespace ?? '';
  const rawPath = at(kustomization, 'spec', 'path');
  const normal = normalisePath(rawPath);
  const path = normal ?? '';
  let pathProblem: string | undefined;
  if (normal === undefined) pathProblem = 'its spec.path is not a usable path';
  else if (escapesRepository(normal)) pathProblem = `its spec.path ${normal} leaves the repository`;

  const sourceRef = record(at(kustomization, 'spec', 'sourceRef'));
  const kind = text(sourceRef?.kind, 64);
  const name = objectName(sourceRef?.name);
  const namespace = objectName(sourceRef?.namespace) ?? ksNamespace;
  if (!kind || !name) {
    return { repoUrl: '', path, where: 'from an unreadable spec.sourceRef', blocked: 'its spec.sourceRef does not name a source' };
  }
  const named = `${kind} ${ref(namespace, name)}`;

  if (kind === 'GitRepository') {
    const repo = await getServed(k8s, GIT_REPOSITORY, namespace, name);
    if (!repo) return { repoUrl: '', path, where: `from ${named} (not found)`, blocked: `its source ${named} was not found` };
    const url = safeRepoUrl(at(repo, 'spec', 'url'));
    const { branch, pinned } = gitRef(at(repo, 'spec', 'ref'));
    const branchWords = branch ? ` (branch ${branch})` : ` (pinned to ${pinned ?? 'a fixed revision'})`;
    const where = `from git repo ${url ?? '(unreadable spec.url)'} ${pathWords(path)}${branchWords}`;
    const blocked = !url
      ? `${named} has no usable spec.url`
      : pinned
        ? `${named} is pinned to ${pinned}: a commit on a branch does not reach the cluster`
        : pathProblem;
    return { repoUrl: url ?? '', ...(branch ? { branch } : {}), path, where, ...(blocked ? { blocked } : {}) };
  }

  if (kind === 'OCIRepository') {
    const oci = await getServed(k8s, OCI_REPOSITORY, namespace, name);
    const url = safeRepoUrl(at(oci, 'spec', 'url')) ?? `oci://${ref(namespace, name)}`;
    return { repoUrl: url, path, where: `from OCI artifact ${url} (${named}) ${pathWords(path)}`, blocked: `its source is an OCI artifact (${named}), not a git repository` };
  }

  if (kind === 'Bucket') {
    const bucket = await getServed(k8s, BUCKET, namespace, name);
    const endpoint = text(at(bucket, 'spec', 'endpoint'), 256);
    const bucketName = text(at(bucket, 'spec', 'bucketName'), 256);
    const url = endpoint && bucketName ? (safeRepoUrl(`bucket://${endpoint}/${bucketName}`) ?? `bucket://${ref(namespace, name)}`) : `bucket://${ref(namespace, name)}`;
    return { repoUrl: url, path, where: `from bucket ${url} (${named}) ${pathWords(path)}`, blocked: `its source is a bucket (${named}), not a git repository` };
  }

  return { repoUrl: '', path, where: `from ${named}`, blocked: `its source ${named} is not a kind Drover knows (GitRepository, OCIRepository, Bucket)` };
}
