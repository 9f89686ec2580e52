/** Who in git owns a live object, what its reconciler last did, and suspending it for a bounded window. */
export { findOwner, type FindOwnerOptions } from './find-owner.js';
export type { FoundOwner } from './found-owner.js';
export { readReconcilerStatus, fluxRevisionCommit } from './reconciler-status.js';
export {
  suspendOwner,
  resumeOwner,
  SUSPENDED_BY,
  SUSPENDED_UNTIL,
  SUSPENDED_AUTOMATED,
  FLUX_REQUESTED_AT,
  ARGO_REFRESH,
} from './suspension.js';
export { listSuspensions, type Suspension } from './list-suspensions.js';
export { parseGoDuration, formatDuration } from './duration.js';
export { safeRepoUrl, normalisePath } from './repo-url.js';
export { ARGO_SELF_HEAL_MS, DEFAULT_ARGOCD_NAMESPACES } from './argo-owner.js';
export { TRACKING_ANNOTATION, INSTANCE_LABEL } from './argo-tracking.js';
export { KUSTOMIZE_LABELS, HELM_LABELS } from './flux-owner.js';
