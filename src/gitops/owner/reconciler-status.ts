/**
 * What the owner's reconciler last reported: the git commit it applied and
 * whether it is done (ready for the generation it was last given). The
 * propose mode waits on this for the merged commit before it verifies.
 */
import { DroverError } from '../../errors.js';
import type { K8sOps, KubeObject } from '../../k8s/types.js';
import type { GitOpsOwner, ReconcilerStatus } from '../types.js';
import { at, record, text } from './fields.js';
import { KUSTOMIZE_LABELS, labelledRef } from './flux-owner.js';
import { getServed, KUSTOMIZATION } from './kinds.js';

/**
 * The commit in a Flux revision: `main@sha1:<sha>` (Flux 2.0+), `sha1:<sha>`
 * (a pinned commit), `main/<sha>` (older Flux). Anything else (an OCI
 * digest, junk): undefined.
 */
export function fluxRevisionCommit(value: unknown): string | undefined {
  const raw = text(value, 512);
  if (!raw) return undefined;
  const m = /^(?:.*@)?sha1:([0-9a-f]{40})$/i.exec(raw) ?? /^(?:.+\/)?([0-9a-f]{40})$/i.exec(raw);
  return m ? m[1]!.toLowerCase() : undefined;
}

function readyCondition(object: KubeObject): { status?: string; message?: string; reason?: string } | undefined {
  const conditions = at(object, 'status', 'conditions');
  if (!Array.isArray(conditions)) return undefined;
  const ready = conditions.map(record).find((c) => c?.type === 'Ready');
  return ready ? { status: text(ready.status, 16), message: text(ready.message, 2000), reason: text(ready.reason, 200) } : undefined;
}

/** Ready=True for the generation the object has now (a spec change not yet observed is not ready). */
function fluxReady(object: KubeObject): { ready: boolean; message?: string } {
  const condition = readyCondition(object);
  const generation = object.metadata.generation;
  const observed = at(object, 'status', 'observedGeneration');
  if (typeof generation === 'number' && observed !== generation) {
    return { ready: false, message: `the reconciler has not yet observed generation ${generation} (it last observed ${typeof observed === 'number' ? observed : 'none'})` };
  }
  if (condition?.status === 'True') return { ready: true };
  const words = condition?.message ?? condition?.reason ?? 'no Ready condition yet';
  return { ready: false, message: words };
}

async function mustGet(k8s: Pick<K8sOps, 'get'>, owner: GitOpsOwner): Promise<KubeObject> {
  return k8s.get(owner.apiVersion, owner.kind, owner.name, { namespace: owner.namespace });
}

function argoStatus(app: KubeObject): ReconcilerStatus {
  const revisions = at(app, 'status', 'sync', 'revisions');
  const rawRevision = at(app, 'status', 'sync', 'revision') ?? (Array.isArray(revisions) ? (revisions[0] as unknown) : undefined);
  const revision = text(rawRevision, 64);
  const syncStatus = text(at(app, 'status', 'sync', 'status'), 64);
  const health = text(at(app, 'status', 'health', 'status'), 64);
  const operation = record(at(app, 'status', 'operationState'));
  const phase = text(operation?.phase, 64);
  const ready = syncStatus === 'Synced' && (health === 'Healthy' || health === 'Progressing') && (!operation || phase === 'Succeeded');
  const status: ReconcilerStatus = { ...(revision && /^[0-9a-f]{40}$/i.test(revision) ? { revision: revision.toLowerCase() } : {}), ready };
  if (ready) return status;
  const conditions = at(app, 'status', 'conditions');
  const condition = Array.isArray(conditions) ? text(record(conditions[0])?.message, 2000) : undefined;
  const opMessage = operation && phase !== 'Succeeded' ? text(operation.message, 2000) : undefined;
  const healthMessage = text(at(app, 'status', 'health', 'message'), 2000);
  const message =
    opMessage ?? condition ?? healthMessage ?? `sync ${syncStatus ?? 'unknown'}, health ${health ?? 'unknown'}${phase ? `, operation ${phase}` : ''}`;
  return { ...status, message };
}

/**
 * Reads the owner and says what its reconciler last did. Flux Kustomization:
 * status.lastAppliedRevision and Ready; HelmRelease: the revision its
 * Kustomization applied (the values live in git through it) and the
 * HelmRelease's own Ready; Argo CD: status.sync.revision, Synced and
 * Healthy/Progressing with no sync operation still running or failed.
 */
export async function readReconcilerStatus(k8s: Pick<K8sOps, 'get'>, owner: GitOpsOwner): Promise<ReconcilerStatus> {
  const object = await mustGet(k8s, owner);
  if (owner.tool === 'argocd') return argoStatus(object);
  if (owner.kind === 'Kustomization') {
    const revision = fluxRevisionCommit(at(object, 'status', 'lastAppliedRevision'));
    return { ...(revision ? { revision } : {}), ...fluxReady(object) };
  }
  if (owner.kind === 'HelmRelease') {
    const ksRef = labelledRef(object, KUSTOMIZE_LABELS);
    const ks = ksRef ? await getServed(k8s, KUSTOMIZATION, ksRef.namespace, ksRef.name) : undefined;
    const revision = ks ? fluxRevisionCommit(at(ks, 'status', 'lastAppliedRevision')) : undefined;
    return { ...(revision ? { revision } : {}), ...fluxReady(object) };
  }
  throw new DroverError('internal', `no reconciler status for a ${String(owner.tool)} ${String(owner.kind)}`);
}
