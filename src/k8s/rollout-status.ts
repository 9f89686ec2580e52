/**
 * `kubectl rollout status` for a Deployment, as a pure function of the object
 * (k8s.io/kubectl pkg/polymorphichelpers/rollout_status.go): done only when
 * the controller has seen the latest spec and every replica is updated and
 * available, with kubectl's words for each way it is not.
 */
import type { V1Deployment } from '@kubernetes/client-node';
import { revisionOf } from './rollback.js';

export interface RolloutStatus {
  /** Every replica runs the latest template and is available. */
  done: boolean;
  /** The Progressing condition says ProgressDeadlineExceeded: the rollout is stuck. */
  stuck: boolean;
  paused: boolean;
  /** The deployment controller has not yet seen the latest spec. */
  pendingObservation: boolean;
  revision: number;
  desired: number;
  updated: number;
  ready: number;
  available: number;
  /** Replicas still running an older template. */
  old: number;
  /** One line, kubectl's words: `deployment "web" successfully rolled out`. */
  message: string;
}

export function rolloutStatusOf(deployment: V1Deployment): RolloutStatus {
  const name = deployment.metadata?.name ?? '';
  const spec = deployment.spec;
  const status = deployment.status ?? {};
  const desired = spec?.replicas ?? 1;
  const total = status.replicas ?? 0;
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const progressing = (status.conditions ?? []).find((c) => c.type === 'Progressing');
  const base = {
    stuck: progressing?.reason === 'ProgressDeadlineExceeded',
    paused: spec?.paused === true,
    pendingObservation: (deployment.metadata?.generation ?? 0) > (status.observedGeneration ?? 0),
    revision: revisionOf(deployment),
    desired,
    updated,
    ready: status.readyReplicas ?? 0,
    available,
    old: Math.max(0, total - updated),
  };
  const waiting = (what: string) => ({ ...base, done: false, message: `Waiting for deployment "${name}" rollout to finish: ${what}` });
  if (base.pendingObservation) return { ...base, done: false, message: 'Waiting for deployment spec update to be observed...' };
  if (base.stuck) return { ...base, done: false, message: `deployment "${name}" exceeded its progress deadline` };
  if (base.paused && (updated < desired || total > updated || available < updated)) {
    return { ...base, done: false, message: `deployment "${name}" is paused with its rollout unfinished (${updated} of ${desired} updated); resume it to continue` };
  }
  if (updated < desired) return waiting(`${updated} out of ${desired} new replicas have been updated...`);
  if (total > updated) return waiting(`${total - updated} old replicas are pending termination...`);
  if (available < updated) return waiting(`${available} of ${updated} updated replicas are available...`);
  return { ...base, done: true, message: `deployment "${name}" successfully rolled out` };
}
