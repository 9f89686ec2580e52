/**
 * The GitOps layer a worker uses, from the configuration: a git workspace
 * under gitops.workDir (default a directory under the system's temp dir),
 * the configured repositories and forges, tokens read from their files.
 */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Policy } from '../policy/index.js';
import { GitWorkspace } from './git/workspace.js';
import { createGitOpsParts } from './real-parts.js';
import { createGitOpsWrap, type GitOpsWrap } from './run-gitops.js';
import type { GitOpsSettings } from './settings.js';

export function gitopsFromConfig(settings: GitOpsSettings, policy: Pick<Policy, 'gitopsMode'>, now?: () => Date): GitOpsWrap {
  const workspace = new GitWorkspace({ root: settings.workDir ?? join(tmpdir(), 'drover-gitops'), runner: { allowProtocol: settings.protocols.join(':') } });
  const parts = createGitOpsParts({ settings, workspace, readToken: (file) => readFile(file, 'utf8') });
  return createGitOpsWrap({ parts, settings, policy, ...(now ? { now } : {}) });
}
