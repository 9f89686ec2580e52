/**
 * `kubectl rollout undo`, as pure functions: find the deployment's
 * ReplicaSets, pick the target revision, and build the patch that puts that
 * revision's pod template back.
 */
import type { V1Deployment, V1LabelSelector, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import { RunbookRefusal } from '../errors.js';
import { toPlain } from './plan-diff.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
const HASH_LABEL = 'pod-template-hash';

export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } }): number {
  const n = Number(obj.metadata?.annotations?.[REVISION_ANNOTATION]);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** The string form of a label selector, for listing the deployment's ReplicaSets. */
export function selectorToString(selector: V1LabelSelector | undefined): string {
  if (!selector) return '';
  const terms = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') terms.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') terms.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') terms.push(e.key);
    else if (e.operator === 'DoesNotExist') terms.push(`!${e.key}`);
  }
  return terms.join(',');
}

/** The pod template without the controller's pod-template-hash label, as JSON. */
export function templateWithoutHash(template: V1PodTemplateSpec | undefined): Record<string, unknown> {
  const plain = (toPlain(template) ?? {}) as { metadata?: { labels?: Record<string, string> } } & Record<string, unknown>;
  if (plain.metadata?.labels) delete plain.metadata.labels[HASH_LABEL];
  return plain;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}

export interface RollbackPlan {
  fromRevision: number;
  toRevision: number;
  replicaSet: string;
  /** The target template, pod-template-hash removed, ready to put in spec.template. */
  template: Record<string, unknown>;
  /** The deployment already runs that template: nothing to send. */
  alreadyThere: boolean;
}

/** Picks the revision to roll back to; refuses (never retried) when there is none. */
export function planRollback(deployment: V1Deployment, replicaSets: V1ReplicaSet[], toRevision?: number): RollbackPlan {
  const ref = `Deployment ${deployment.metadata?.namespace ?? ''}/${deployment.metadata?.name ?? ''}`;
  if (deployment.spec?.paused) {
    throw new RunbookRefusal(`${ref} is paused; resume it before rolling back (kubectl rollout resume).`);
  }
  const uid = deployment.metadata?.uid;
  const owned = replicaSets.filter((rs) => (rs.metadata?.ownerReferences ?? []).some((o) => o.controller === true && o.uid === uid));
  const revisions = [...new Set(owned.map(revisionOf).filter((r) => r > 0))].sort((a, b) => b - a);
  const current = revisionOf(deployment) || (revisions[0] ?? 0);
  let target: V1ReplicaSet | undefined;
  if (toRevision !== undefined && toRevision > 0) {
    target = owned.find((rs) => revisionOf(rs) === toRevision);
    if (!target) {
      const known = revisions.length > 0 ? ` (known revisions: ${[...revisions].reverse().join(', ')})` : '';
      throw new RunbookRefusal(`${ref} has no revision ${toRevision} to roll back to${known}.`, { toRevision, revisions });
    }
  } else {
    // Like kubectl: the previous revision is the second highest one still recorded.
    const previous = revisions[1];
    target = previous === undefined ? undefined : owned.find((rs) => revisionOf(rs) === previous);
    if (!target) {
      throw new RunbookRefusal(`${ref} has no previous revision to roll back to (revision history: ${revisions.length > 0 ? revisions.join(', ') : 'empty'}).`, {
        revisions,
      });
    }
  }
  const template = templateWithoutHash(target.spec?.template);
  return {
    fromRevision: current,
    toRevision: revisionOf(target),
    replicaSet: target.metadata?.name ?? '',
    template,
    alreadyThere: sameJson(template, templateWithoutHash(deployment.spec?.template)),
  };
}

/**
 * A JSON patch that replaces spec.template wholesale (a merge would keep
 * fields the newer template added) and carries the resourceVersion we read:
 * if the deployment changed since, the server answers 409 Conflict, which is
 * retryable and makes the retry re-read the history. (A JSON-patch `test`
 * would fail as a non-retryable 422 instead.) This is the optimistic lock
 * controller-runtime's MergeFromWithOptimisticLock relies on.
 */
export function rollbackPatch(resourceVersion: string | undefined, template: Record<string, unknown>): unknown[] {
  const ops: unknown[] = [];
  if (resourceVersion) ops.push({ op: 'replace', path: '/metadata/resourceVersion', value: resourceVersion });
  ops.push({ op: 'replace', path: '/spec/template', value: template });
  return ops;
}
