import { globMatch } from '../policy/glob.js';

/**
 * Which channels a runbook may be run from (globs as in the policy file). Configured as runbook glob →
 * channel ids; a runbook that matches no entry may run anywhere, one that
 * matches several may run in any of their channels.
 */
export class ChannelPolicy {
  constructor(private readonly rules: Record<string, string[]>) {}

  /** Allowed channel ids, or undefined when unrestricted. */
  allowed(runbookId: string): string[] | undefined {
    const matching = Object.entries(this.rules).filter(([glob]) => globMatch(glob, runbookId));
    if (!matching.length) return undefined;
    return [...new Set(matching.flatMap(([, channels]) => channels))];
  }
}
