/**
 * HorizontalPodAutoscalers (autoscaling/v2) for ctx.k8s: read one, and set
 * its maxReplicas (the KubeHpaMaxedOut remedy) with a merge patch pinned to
 * the resourceVersion that was read.
 */
import { AutoscalingV2Api, PatchStrategy, type KubeConfig, type V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { ApiCaller } from './api-caller.js';
import { ref, type MutationTarget, type Mutations } from './mutation.js';
import { objectDiff } from './plan-diff.js';
import type { PlannedChange } from './types.js';

export class AutoscalingOps {
  private readonly api: AutoscalingV2Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly caller: ApiCaller,
    private readonly mutations: Mutations,
  ) {
    this.api = kubeConfig.makeApiClient(AutoscalingV2Api);
  }

  async getHpa(namespace: string, name: string): Promise<V2HorizontalPodAutoscaler> {
    const target = { verb: 'get', resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespace, name };
    return (await this.caller.call(target, (o) => this.api.readNamespacedHorizontalPodAutoscalerWithHttpInfo({ name, namespace }, o))).data;
  }

  /**
   * Merge patch of spec.maxReplicas carrying the resourceVersion just read: if
   * the HPA changed in between (someone else raised it), the API server answers
   * 409 and the retry starts again from the new value. Skipped when already there.
   */
  setHpaMaxReplicas(namespace: string, name: string, maxReplicas: number): Promise<PlannedChange> {
    const target: MutationTarget = { verb: 'patch', kind: 'HorizontalPodAutoscaler', namespace, name };
    const label = `HorizontalPodAutoscaler ${ref(namespace, name)}`;
    return this.mutations
      .run(target, async () => {
        const before = await this.getHpa(namespace, name);
        const from = before.spec?.maxReplicas ?? 0;
        if (from === maxReplicas) {
          return { change: this.mutations.change(target, `set ${label}: maxReplicas already ${from} (no change)`, '') };
        }
        const body = { metadata: { resourceVersion: before.metadata?.resourceVersion }, spec: { maxReplicas } };
        const { data: after, status } = await this.caller.call(
          { verb: 'patch', resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespace, name },
          (o) => this.api.patchNamespacedHorizontalPodAutoscalerWithHttpInfo({ name, namespace, body, dryRun: this.mutations.dryRunParam }, o),
          PatchStrategy.MergePatch,
        );
        const to = after.spec?.maxReplicas ?? 0;
        const summary = `${to > from ? 'raise' : 'lower'} ${label}: maxReplicas ${from} → ${to}`;
        return { change: this.mutations.change(target, summary, objectDiff(label, before, after, this.mutations.dryRun)), status };
      })
      .then((r) => r.change);
  }
}
