/**
 * Objects Flux applies: kustomize-controller labels every object it applies
 * with its Kustomization (`kustomize.toolkit.fluxcd.io/name` + `/namespace`),
 * helm-controller every object a release renders with its HelmRelease
 * (`helm.toolkit.fluxcd.io/name` + `/namespace`).
 */
import type { K8sOps, KubeObject } from '../../k8s/types.js';
import { parseGoDuration, formatDuration } from './duration.js';
import { at, objectName, ref, text } from './fields.js';
import { blockedText, fluxRevertText, type FoundOwner } from './found-owner.js';
import { fluxSourceFacts } from './flux-source.js';
import { getServed, HELM_RELEASE, KUSTOMIZATION } from './kinds.js';
import { suspendedByWords } from './marks.js';
import { fluxConfirms, helmReleaseConfirms } from './confirm.js';

export const KUSTOMIZE_LABELS = { name: 'kustomize.toolkit.fluxcd.io/name', namespace: 'kustomize.toolkit.fluxcd.io/namespace' } as const;
export const HELM_LABELS = { name: 'helm.toolkit.fluxcd.io/name', namespace: 'helm.toolkit.fluxcd.io/namespace' } as const;

/** The name/namespace pair two labels hold, when both are valid names. */
export function labelledRef(object: KubeObject, labels: { name: string; namespace: string }): { namespace: string; name: string } | undefined {
  const l = object.metadata.labels;
  const name = objectName(l?.[labels.name]);
  const namespace = objectName(l?.[labels.namespace]);
  return name && namespace ? { namespace, name } : undefined;
}

/**
 * Marks on an applied object that keep kustomize-controller from changing it
 * (`kustomize.toolkit.fluxcd.io/reconcile: disabled`; server-side apply
 * policy `IfNotPresent` or `Ignore`): git still holds it, but a direct
 * change is not reverted.
 */
function fluxLeavesAlone(object: KubeObject | undefined): string | undefined {
  const annotations = object?.metadata.annotations;
  if (annotations?.['kustomize.toolkit.fluxcd.io/reconcile'] === 'disabled') return 'kustomize.toolkit.fluxcd.io/reconcile: disabled';
  const ssa = annotations?.['kustomize.toolkit.fluxcd.io/ssa'];
  if (ssa === 'IfNotPresent' || ssa === 'Ignore') return `kustomize.toolkit.fluxcd.io/ssa: ${ssa}`;
  return undefined;
}

/**
 * The Kustomization the labels name, as an owner of `object` (whose own
 * marks may keep Flux from reverting it); undefined when it does not exist
 * (or Flux is not installed).
 */
export async function kustomizationOwner(
  k8s: Pick<K8sOps, 'get'>,
  at_: { namespace: string; name: string },
  object?: KubeObject,
): Promise<FoundOwner | undefined> {
  return (await readKustomization(k8s, at_, object, object))?.owner;
}

async function readKustomization(
  k8s: Pick<K8sOps, 'get'>,
  at_: { namespace: string; name: string },
  object: KubeObject | undefined,
  applied: KubeObject | undefined,
): Promise<{ owner: FoundOwner; where: string } | undefined> {
  const ks = await getServed(k8s, KUSTOMIZATION, at_.namespace, at_.name);
  if (!ks) return undefined;
  // The labels are the claim of whoever wrote the object; the Kustomization's own status must confirm it.
  if (applied && !fluxConfirms(ks, applied)) return undefined;
  const facts = await fluxSourceFacts(k8s, ks);
  const suspended = at(ks, 'spec', 'suspend') === true;
  const interval = parseGoDuration(at(ks, 'spec', 'interval'));
  const leftAlone = fluxLeavesAlone(object);
  const revertsWithinMs = leftAlone ? undefined : interval;
  const revert = leftAlone
    ? `; the object is marked ${leftAlone}, so Flux does not revert a direct change`
    : fluxRevertText(suspended, revertsWithinMs, suspendedByWords(ks));
  const name = ref(at_.namespace, at_.name);
  const owner: FoundOwner = {
    tool: 'flux',
    kind: 'Kustomization',
    apiVersion: ks.apiVersion,
    namespace: at_.namespace,
    name: at_.name,
    repoUrl: facts.repoUrl,
    ...(facts.branch ? { branch: facts.branch } : {}),
    path: facts.path,
    source: { type: 'manifests' },
    ...(revertsWithinMs !== undefined ? { revertsWithinMs } : {}),
    suspended,
    text: `managed by Flux Kustomization ${name} ${facts.where}${revert}${blockedText(facts.blocked)}`,
    ...(facts.blocked ? { proposeBlocked: facts.blocked } : {}),
  };
  return { owner, where: facts.where };
}

/**
 * The HelmRelease the labels name. Its values are spec.values of the
 * HelmRelease manifest, which the Kustomization named by the HelmRelease's
 * own labels applies from git. helm-controller corrects drift of rendered
 * objects only with spec.driftDetection.mode `enabled` (at each
 * reconciliation, every spec.interval); `warn` only reports it, and without
 * it (the default) a direct change lasts until the next Helm upgrade.
 */
export async function helmReleaseOwner(k8s: Pick<K8sOps, 'get'>, at_: { namespace: string; name: string }, object?: KubeObject): Promise<FoundOwner | undefined> {
  const hr = await getServed(k8s, HELM_RELEASE, at_.namespace, at_.name);
  if (!hr) return undefined;
  if (object && !helmReleaseConfirms(hr, object)) return undefined;
  const name = ref(at_.namespace, at_.name);
  const ksRef = labelledRef(hr, KUSTOMIZE_LABELS);
  const read = ksRef ? await readKustomization(k8s, ksRef, undefined, hr) : undefined;
  const ks = read?.owner;
  const suspended = at(hr, 'spec', 'suspend') === true;
  const interval = parseGoDuration(at(hr, 'spec', 'interval'));
  const driftMode = text(at(hr, 'spec', 'driftDetection', 'mode'), 32);
  const corrects = driftMode === 'enabled';
  const revertsWithinMs = corrects ? interval : undefined;

  let where: string;
  let blocked: string | undefined;
  if (read && ks) {
    // Not the Kustomization's revert clause: for rendered objects the HelmRelease's is the one that counts.
    where = `(its manifest applied by Flux Kustomization ${ref(ks.namespace, ks.name)}) ${read.where}`;
    blocked = ks.proposeBlocked;
  } else {
    where = ksRef ? `(its Kustomization ${ref(ksRef.namespace, ksRef.name)} was not found)` : '(not applied by a Flux Kustomization)';
    blocked = 'the HelmRelease is not applied from git by a Flux Kustomization, so Drover cannot tell where its values are written';
  }

  let revert: string;
  if (suspended) revert = fluxRevertText(true, undefined, suspendedByWords(hr));
  else if (corrects) {
    const ignores = at(hr, 'spec', 'driftDetection', 'ignore');
    const how = `drift detection enabled${Array.isArray(ignores) && ignores.length > 0 ? '; its ignore rules may exempt some fields' : ''}`;
    revert = interval === undefined ? `; a direct change is reverted at its next reconciliation (${how})` : `; a direct change is reverted within ${formatDuration(interval)} (${how})`;
  }
  else revert = `; drift detection is ${driftMode === 'warn' ? 'warn-only' : 'off'}, so a direct change lasts until the next Helm upgrade (new values or chart)`;

  return {
    tool: 'flux',
    kind: 'HelmRelease',
    apiVersion: hr.apiVersion,
    namespace: at_.namespace,
    name: at_.name,
    repoUrl: ks?.repoUrl ?? '',
    ...(ks?.branch ? { branch: ks.branch } : {}),
    path: ks?.path ?? '',
    source: { type: 'helm-release', release: { namespace: at_.namespace, name: at_.name } },
    ...(revertsWithinMs !== undefined ? { revertsWithinMs } : {}),
    suspended,
    text: `managed by Flux HelmRelease ${name} ${where}${revert}${blockedText(blocked)}`,
    ...(blocked ? { proposeBlocked: blocked } : {}),
  };
}
