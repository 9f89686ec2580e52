/**
 * Every suspension Drover holds, in every namespace, for a sweeper that
 * resumes the ones whose run ended without resuming them (a crash, a
 * cancelled run) once their window is over.
 */
import type { K8sOps } from '../../k8s/types.js';
import type { GitOpsTool } from '../types.js';
import { objectName, text } from './fields.js';
import { listServed, SUSPENDABLE } from './kinds.js';
import { SUSPENDED_BY, SUSPENDED_UNTIL } from './marks.js';

export interface Suspension {
  owner: { tool: GitOpsTool; kind: 'Kustomization' | 'HelmRelease' | 'Application'; apiVersion: string; namespace: string; name: string };
  runId: string;
  /** ISO time the window ends, as written; '' when the annotation is missing. */
  until: string;
}

/** Kinds not served (Flux or Argo CD not installed) are skipped; a list the cluster refuses is thrown. */
export async function listSuspensions(k8s: Pick<K8sOps, 'list'>): Promise<Suspension[]> {
  const out: Suspension[] = [];
  for (const kind of SUSPENDABLE) {
    for (const item of await listServed(k8s, kind)) {
      const annotations = item.metadata?.annotations ?? {};
      const runId = text(annotations[SUSPENDED_BY], 128);
      const namespace = objectName(item.metadata?.namespace);
      const name = objectName(item.metadata?.name);
      if (!runId || !namespace || !name) continue;
      out.push({
        owner: { tool: kind.kind === 'Application' ? 'argocd' : 'flux', kind: kind.kind as Suspension['owner']['kind'], apiVersion: item.apiVersion, namespace, name },
        runId,
        until: text(annotations[SUSPENDED_UNTIL], 64) ?? '',
      });
    }
  }
  return out;
}
