/**
 * What findOwner answers: the shared GitOpsOwner plus, when the owner's git
 * cannot take a proposed commit (a pinned revision, a source that is not
 * git), the reason, so the propose mode can refuse before cloning anything.
 */
import type { GitOpsOwner } from '../types.js';
import { formatDuration } from './duration.js';

export interface FoundOwner extends GitOpsOwner {
  /** Why `propose` cannot work for this owner; undefined when it can. Also said in `text`. */
  proposeBlocked?: string;
}

/** `; a direct change is reverted within 10m` and its variants, for Flux. */
export function fluxRevertText(suspended: boolean, revertsWithinMs: number | undefined, suspendedBy = ''): string {
  if (suspended) return `; it is suspended (spec.suspend)${suspendedBy}, so nothing is reverted until it is resumed`;
  if (revertsWithinMs === undefined) return '; a direct change is reverted at its next reconciliation (its interval is unreadable)';
  return `; a direct change is reverted within ${formatDuration(revertsWithinMs)}`;
}

/** `; propose cannot work: …` when blocked. */
export function blockedText(blocked: string | undefined): string {
  return blocked ? `; propose cannot work: ${blocked}` : '';
}
