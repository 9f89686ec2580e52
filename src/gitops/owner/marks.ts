/** The annotations a suspension leaves on the reconciler object, and the ones that make a reconciler look again. */
import type { KubeObject } from '../../k8s/types.js';
import { text } from './fields.js';

export const SUSPENDED_BY = 'drover.dev/suspended-by';
export const SUSPENDED_UNTIL = 'drover.dev/suspended-until';
/** Argo CD: the spec.syncPolicy.automated the suspension took away, as JSON. */
export const SUSPENDED_AUTOMATED = 'drover.dev/suspended-automated';
/** Flux reconciles at once when this annotation changes. */
export const FLUX_REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';
/** Argo CD refreshes the Application when it sees this. */
export const ARGO_REFRESH = 'argocd.argoproj.io/refresh';

/** ` by Drover run r-1 until 2026-…` when Drover's marks are on the object, else ''. */
export function suspendedByWords(object: KubeObject): string {
  const by = text(object.metadata.annotations?.[SUSPENDED_BY], 128);
  if (!by) return '';
  const until = text(object.metadata.annotations?.[SUSPENDED_UNTIL], 64);
  return ` by Drover run ${by}${until ? ` until ${until}` : ''}`;
}
