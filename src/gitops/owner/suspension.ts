/**
 * The suspend mode's window: the owner's reconciler stopped for a bounded
 * time (Flux spec.suspend; Argo CD's automated sync taken away), marked with
 * who did it and until when, and put back only by the run that did it. Every
 * write is a ctx.k8s patch (audited, dry-runnable) pinned to the
 * resourceVersion it read, so a concurrent change is a k8s_conflict, not a
 * lost update.
 */
import { DroverError } from '../../errors.js';
import type { K8sOps, KubeObject, PlannedChange } from '../../k8s/types.js';
import type { GitOpsOwner } from '../types.js';
import { at, record, ref } from './fields.js';

import { ARGO_REFRESH, FLUX_REQUESTED_AT, SUSPENDED_AUTOMATED, SUSPENDED_BY, SUSPENDED_UNTIL } from './marks.js';

export { ARGO_REFRESH, FLUX_REQUESTED_AT, SUSPENDED_AUTOMATED, SUSPENDED_BY, SUSPENDED_UNTIL };

type Ops = Pick<K8sOps, 'get' | 'patch'> & Partial<Pick<K8sOps, 'dryRun'>>;
type OwnerRef = Pick<GitOpsOwner, 'tool' | 'kind' | 'apiVersion' | 'namespace' | 'name'>;

function label(owner: OwnerRef): string {
  return `${owner.tool === 'flux' ? 'Flux' : 'Argo CD'} ${owner.kind} ${ref(owner.namespace, owner.name)}`;
}

function checkRunId(runId: string): void {
  // It becomes an annotation value and is compared later: keep it a plain token.
  if (typeof runId !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(runId)) {
    throw new DroverError('params_invalid', 'a suspension needs a run id of letters, digits and . _ : - (at most 128)');
  }
}

function read(k8s: Ops, owner: OwnerRef): Promise<KubeObject> {
  return k8s.get(owner.apiVersion, owner.kind, owner.name, { namespace: owner.namespace });
}

function patch(k8s: Ops, owner: OwnerRef, body: Record<string, unknown>, summary: string): Promise<PlannedChange> {
  return k8s.patch(owner.apiVersion, owner.kind, owner.name, body, { namespace: owner.namespace }).then(({ object: _object, ...change }) => ({ ...change, summary }));
}

function unchanged(k8s: Ops, owner: OwnerRef, summary: string): PlannedChange {
  return { verb: 'patch', kind: owner.kind, namespace: owner.namespace, name: owner.name, dryRun: k8s.dryRun ?? false, summary, diff: '' };
}

/** Auto-sync is on: an automated block that is not switched off (Argo CD 3's enabled: false). */
function automatedOf(app: KubeObject): Record<string, unknown> | undefined {
  const automated = record(at(app, 'spec', 'syncPolicy', 'automated'));
  return automated && automated.enabled !== false ? automated : undefined;
}

/**
 * Suspends the owner's reconciler until `until` (a sweeper resumes it then,
 * see listSuspensions). Already suspended by someone else (a person, another
 * run): nothing changes and `alreadySuspended` says so; resumeOwner will not
 * touch it either. Suspended by this same run (a retried step): the window
 * is set again, nothing else.
 */
export async function suspendOwner(
  k8s: Ops,
  owner: OwnerRef,
  options: { runId: string; until: Date },
): Promise<{ change: PlannedChange; alreadySuspended: boolean }> {
  checkRunId(options.runId);
  if (!(options.until instanceof Date) || Number.isNaN(options.until.getTime())) throw new DroverError('params_invalid', 'a suspension needs a valid end time');
  const until = options.until.toISOString();
  const object = await read(k8s, owner);
  const annotations = object.metadata.annotations ?? {};
  const ours = annotations[SUSPENDED_BY] === options.runId;
  const resourceVersion = object.metadata.resourceVersion;
  const marks = { [SUSPENDED_BY]: options.runId, [SUSPENDED_UNTIL]: until };
  const summary = `suspend ${label(owner)} until ${until} (run ${options.runId})`;

  if (owner.tool === 'flux') {
    if (at(object, 'spec', 'suspend') === true && !ours) {
      return { change: unchanged(k8s, owner, `${label(owner)} is already suspended${annotations[SUSPENDED_BY] ? ` by run ${annotations[SUSPENDED_BY]}` : ''}; left as it is`), alreadySuspended: true };
    }
    const change = await patch(k8s, owner, { metadata: { resourceVersion, annotations: marks }, spec: { suspend: true } }, summary);
    return { change, alreadySuspended: false };
  }

  const automated = automatedOf(object);
  if (ours) {
    // Retried: the automated block taken the first time is in the annotation; keep it.
    const change = await patch(k8s, owner, { metadata: { resourceVersion, annotations: marks } }, summary);
    return { change, alreadySuspended: false };
  }
  if (!automated) {
    return { change: unchanged(k8s, owner, `${label(owner)} has auto-sync off already; left as it is`), alreadySuspended: true };
  }
  const body = {
    metadata: { resourceVersion, annotations: { ...marks, [SUSPENDED_AUTOMATED]: JSON.stringify(automated) } },
    spec: { syncPolicy: { automated: null } },
  };
  return { change: await patch(k8s, owner, body, `${summary}: auto-sync off`), alreadySuspended: false };
}

/**
 * Resumes what this run suspended, and only that: Flux spec.suspend false
 * and an immediate reconciliation requested; Argo CD's automated sync put
 * back as it was (unless someone set one meanwhile) and a refresh
 * requested. Undefined (nothing sent) when this run did not suspend it or
 * the owner is gone.
 */
export async function resumeOwner(k8s: Ops, owner: OwnerRef, options: { runId: string; now?: () => Date }): Promise<PlannedChange | undefined> {
  checkRunId(options.runId);
  let object: KubeObject;
  try {
    object = await read(k8s, owner);
  } catch (err) {
    if (err instanceof DroverError && err.code === 'k8s_not_found') return undefined;
    throw err;
  }
  const annotations = object.metadata.annotations ?? {};
  if (annotations[SUSPENDED_BY] !== options.runId) return undefined;
  const resourceVersion = object.metadata.resourceVersion;
  const now = (options.now ?? (() => new Date()))().toISOString();
  const unmark = { [SUSPENDED_BY]: null, [SUSPENDED_UNTIL]: null };

  if (owner.tool === 'flux') {
    const body = { metadata: { resourceVersion, annotations: { ...unmark, [FLUX_REQUESTED_AT]: now } }, spec: { suspend: false } };
    return patch(k8s, owner, body, `resume ${label(owner)} (run ${options.runId}) and request a reconciliation`);
  }

  const stored = storedAutomated(annotations[SUSPENDED_AUTOMATED]);
  const current = automatedOf(object);
  const body: Record<string, unknown> = {
    metadata: { resourceVersion, annotations: { ...unmark, [SUSPENDED_AUTOMATED]: null, [ARGO_REFRESH]: 'normal' } },
    ...(current ? {} : { spec: { syncPolicy: { automated: stored.automated } } }),
  };
  const what = current ? 'auto-sync was set again meanwhile; kept' : `auto-sync restored${stored.note}`;
  return patch(k8s, owner, body, `resume ${label(owner)} (run ${options.runId}): ${what}, refresh requested`);
}

/** The automated block the suspension stored; a damaged annotation restores plain auto-sync (no prune, no self-heal). */
function storedAutomated(value: string | undefined): { automated: Record<string, unknown>; note: string } {
  try {
    const parsed = record(JSON.parse(value ?? '') as unknown);
    if (parsed && (value ?? '').length <= 4096) return { automated: parsed, note: '' };
  } catch {
    // fall through
  }
  return { automated: {}, note: ` (the stored ${SUSPENDED_AUTOMATED} was unreadable: plain auto-sync, without prune or self-heal)` };
}
