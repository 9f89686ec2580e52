/**
 * The `gitops` settings: which GitOps repositories Drover may propose changes
 * to, through which forge, with which credentials (a file: a mounted Secret),
 * and how long it waits for review, sync and verification.
 */
import { z } from 'zod';
import { durationSchema } from '../config/duration-schema.js';

const noUserinfo = (u: string) => !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(u);

const repository = z
  .object({
    /** The repository's URL as the reconciler names it (Flux GitRepository spec.url, Argo CD repoURL); matched without `.git`, case and trailing `/`. */
    url: z.string().min(1).refine(noUserinfo, 'must not carry a user name or password: set tokenFile instead'),
    /** Where Drover clones it from, when not `url` (an internal mirror). */
    cloneUrl: z.string().min(1).refine(noUserinfo, 'must not carry a user name or password: set tokenFile instead').optional(),
    forge: z
      .object({
        type: z.enum(['github', 'gitlab']),
        /** API base: https://api.github.com (default for github), https://gitlab.com/api/v4 (default for gitlab), or your server's. */
        apiUrl: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).refine(noUserinfo, 'must not carry credentials').optional(),
        /** `owner/repo` on GitHub; the project's path (`group/sub/project`) or numeric id on GitLab. */
        project: z.string().min(1),
      })
      .strict(),
    /** A file holding the token (a mounted Secret), read when it is needed so a rotated token is picked up. It must be able to push branches and open pull requests. */
    tokenFile: z.string().min(1).optional(),
    /** The branch pull requests go to; default the branch the reconciler follows. */
    baseBranch: z.string().min(1).optional(),
  })
  .strict();

export const gitopsSchema = z
  .object({
    repositories: z.array(repository).default([]),
    /** The commits' author. */
    author: z
      .object({ name: z.string().min(1).default('Drover'), email: z.string().min(3).default('drover@localhost') })
      .strict()
      .default({ name: 'Drover', email: 'drover@localhost' }),
    /** How often a run waiting on a pull request or a reconciler looks again. */
    pollInterval: durationSchema.default(30_000),
    /** How long a pull request may wait for its merge before the run gives up (the request stays open). */
    mergeTimeout: durationSchema.default(24 * 3_600_000),
    /** After the merge: how long the reconciler has to apply it, and the cluster to show the new value. */
    syncTimeout: durationSchema.default(15 * 60_000),
    /** `suspend` mode: the longest a reconciler stays suspended (a runbook may ask for less). */
    suspendWindow: durationSchema.default(30 * 60_000),
    /** Namespaces Argo CD Applications live in. */
    argocdNamespaces: z.array(z.string().min(1)).default(['argocd']),
    /** Where repositories are cloned; default a private directory under the system's temp dir. */
    workDir: z.string().optional(),
    /** Git transports allowed for clones (`https` only, unless you run a mirror over `ssh` or tests over `file`). */
    protocols: z.array(z.enum(['https', 'http', 'ssh', 'file'])).default(['https']),
  })
  .strict()
  .default({
    repositories: [],
    author: { name: 'Drover', email: 'drover@localhost' },
    pollInterval: 30_000,
    mergeTimeout: 24 * 3_600_000,
    syncTimeout: 15 * 60_000,
    suspendWindow: 30 * 60_000,
    argocdNamespaces: ['argocd'],
    protocols: ['https'],
  });

export type GitOpsSettings = z.output<typeof gitopsSchema>;
export type GitOpsRepositorySettings = GitOpsSettings['repositories'][number];
