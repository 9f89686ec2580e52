/** Glob with `*` only, anchored: `restart-*` matches `restart-deployment`. */
export function globMatch(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(value);
}

/**
 * Which channels a runbook may be run from. Configured as runbook glob →
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

  permits(runbookId: string, channel: string): boolean {
    const allowed = this.allowed(runbookId);
    return !allowed || allowed.includes(channel);
  }
}
