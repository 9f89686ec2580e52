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

export const KUSTOMIZE_LABELS = { name: 'kustomize.toolkit.fluxcd.io/name', namespace: 'kustomize.toolkit.fluxcd.io/namespace' } as const;
export const HELM_LABELS = { name: 'helm.toolkit.fluxcd.io/name', namespace: 'helm.toolkit.fluxcd.io/namespace' } as const;

/** The name/namespace pair two labels hold, when both are valid names. */
export function labelledRef(object: KubeObject, labels: { name: string; namespace: string }): { namespace: string; name: string } | undefined {
  const l = object.metadata.labels;
  const name = objectName(l?.[labels.name]);
  const namespace = objectName(l?.[labels.namespace]);
  return name && namespace ? { namespace, name } : undefined;
}

/** The Kustomization the labels name, as an owner; undefined when it does not exist (or Flux is not installed). */
export async function kustomizationOwner(k8s: Pick<K8sOps, 'get'>, at_: { namespace: string; name: string }): Promise<FoundOwner | undefined> {
  return (await readKustomization(k8s, at_))?.owner;
}

async function readKustomization(k8s: Pick<K8sOps, 'get'>, at_: { namespace: string; name: string }): Promise<{ owner: FoundOwner; where: string } | undefined> {
  const ks = await getServed(k8s, KUSTOMIZATION, at_.namespace, at_.name);
  if (!ks) return undefined;
  const facts = await fluxSourceFacts(k8s, ks);
  const suspended = at(ks, 'spec', 'suspend') === true;
  const revertsWithinMs = parseGoDuration(at(ks, 'spec', 'interval'));
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
    text: `managed by Flux Kustomization ${name} ${facts.where}${fluxRevertText(suspended, revertsWithinMs, suspendedByWords(ks))}${blockedText(facts.blocked)}`,
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
export async function helmReleaseOwner(k8s: Pick<K8sOps, 'get'>, at_: { namespace: string; name: string }): Promise<FoundOwner | undefined> {
  const hr = await getServed(k8s, HELM_RELEASE, at_.namespace, at_.name);
  if (!hr) return undefined;
  const name = ref(at_.namespace, at_.name);
  const ksRef = labelledRef(hr, KUSTOMIZE_LABELS);
  const read = ksRef ? await readKustomization(k8s, ksRef) : undefined;
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
  else if (corrects) revert = interval === undefined ? '; a direct change is reverted at its next reconciliation (drift detection enabled)' : `; a direct change is reverted within ${formatDuration(interval)} (drift detection enabled)`;
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
