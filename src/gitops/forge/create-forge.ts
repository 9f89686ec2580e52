/**
 * The Forge for one GitOps repository, from its configuration: GitHub
 * (`project` is owner/repo, `apiUrl` https://api.github.com or
 * https://github.example.com/api/v3) or GitLab (`project` is the path
 * group/sub/project or the numeric id, `apiUrl` https://gitlab.com, with or
 * without /api/v4).
 */
import { DroverError } from '../../errors.js';
import type { Forge } from '../types.js';
import type { ForgeHttpOptions } from './forge-http.js';
import { GitHubForge } from './github.js';
import { GitLabForge } from './gitlab.js';

export interface ForgeConfig {
  type: 'github' | 'gitlab';
  apiUrl: string;
  project: string;
  token: string;
}

export function createForge(config: ForgeConfig, options: ForgeHttpOptions = {}): Forge {
  if (!config.token) throw new DroverError('gitops_unconfigured', `No ${config.type === 'gitlab' ? 'GitLab' : 'GitHub'} token is configured for ${config.project}; set the forge token in the GitOps repository's secret.`);
  if (!/^[\x21-\x7e]+$/.test(config.token)) {
    // It would break (or inject into) the Authorization header; never shown.
    throw new DroverError('gitops_unconfigured', `The forge token for ${config.project} holds spaces, line breaks or non-ASCII characters; check the secret.`);
  }
  switch (config.type) {
    case 'github':
      return new GitHubForge(config, options);
    case 'gitlab':
      return new GitLabForge(config, options);
    default:
      throw new DroverError('config_invalid', `Unknown forge type ${JSON.stringify(String((config as { type: unknown }).type))}; use github or gitlab.`);
  }
}
