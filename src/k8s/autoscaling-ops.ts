/**
 * HorizontalPodAutoscalers for ctx.k8s: read one, and set its maxReplicas
 * (the KubeHpaMaxedOut remedy) with a merge patch pinned to the
 * resourceVersion that was read. autoscaling/v2 where the cluster serves it
 * (1.23+), else autoscaling/v2beta2 (1.12 to 1.25), which has the same shape;
 * which one is asked of the cluster, never assumed.
 */
import {
  AutoscalingV2Api,
  Observable,
  PatchStrategy,
  type ConfigurationOptions,
  type KubeConfig,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
  type V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import type { ApiCaller } from './api-caller.js';
import type { ApiDiscovery } from './api-discovery.js';
import { ref, type MutationTarget, type Mutations } from './mutation.js';
import { objectDiff } from './plan-diff.js';
import type { PlannedChange } from './types.js';

/** HPA versions Drover can speak, most preferred first. */
export const HPA_VERSIONS = ['v2', 'v2beta2'] as const;
export type HpaVersion = (typeof HPA_VERSIONS)[number];

/** Sends a request the v2 client built to another version of the group (same paths, same shape). */
function atVersion(options: ConfigurationOptions<ObservableMiddleware>, version: HpaVersion): ConfigurationOptions<ObservableMiddleware> {
  if (version === 'v2') return options;
  const rewrite: ObservableMiddleware = {
    pre(context: RequestContext): Observable<RequestContext> {
      context.setUrl(context.getUrl().replace('/apis/autoscaling/v2/', `/apis/autoscaling/${version}/`));
      return new Observable(Promise.resolve(context));
    },
    post(context: ResponseContext): Observable<ResponseContext> {
      return new Observable(Promise.resolve(context));
    },
  };
  return { ...options, middleware: [...(options.middleware ?? []), rewrite] };
}

export class AutoscalingOps {
  private readonly api: AutoscalingV2Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly caller: ApiCaller,
    private readonly mutations: Mutations,
    private readonly discovery: ApiDiscovery,
  ) {
    this.api = kubeConfig.makeApiClient(AutoscalingV2Api);
  }

  /** The autoscaling version this cluster serves that Drover speaks (k8s_api_missing when none). */
  version(): Promise<HpaVersion> {
    return this.discovery.pick('autoscaling', HPA_VERSIONS, 'HorizontalPodAutoscalers');
  }

  async getHpa(namespace: string, name: string): Promise<V2HorizontalPodAutoscaler> {
    const version = await this.version();
    const target = { verb: 'get', resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespace, name };
    return (await this.caller.call(target, (o) => this.api.readNamespacedHorizontalPodAutoscalerWithHttpInfo({ name, namespace }, atVersion(o, version)))).data;
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
        const version = await this.version();
        const { data: after, status } = await this.caller.call(
          { verb: 'patch', resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespace, name },
          (o) =>
            this.api.patchNamespacedHorizontalPodAutoscalerWithHttpInfo({ name, namespace, body, dryRun: this.mutations.dryRunParam }, atVersion(o, version)),
          PatchStrategy.MergePatch,
        );
        const to = after.spec?.maxReplicas ?? 0;
        const summary = `${to > from ? 'raise' : 'lower'} ${label}: maxReplicas ${from} → ${to}`;
        return { change: this.mutations.change(target, summary, objectDiff(label, before, after, this.mutations.dryRun)), status };
      })
      .then((r) => r.change);
  }
}
