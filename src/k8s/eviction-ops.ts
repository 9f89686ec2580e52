/**
 * Evictions for ctx.k8s: the pods on a node (every namespace), kubectl
 * drain's sorting of them, and one pod's eviction through the Eviction API
 * (POST pods/{name}/eviction), which honours PodDisruptionBudgets: a budget
 * with no disruption left answers 429, which comes back as `blocked` (with
 * the server's reason) for the caller to retry later, not as an error. The
 * Eviction's version is asked of the cluster: policy/v1 (1.22+), else
 * policy/v1beta1. A dry run puts dryRun: ["All"] in both the query and the
 * Eviction's DeleteOptions (the server reads either; they must agree).
 */
import { CoreV1Api, type KubeConfig, type V1Eviction, type V1Pod } from '@kubernetes/client-node';
import { DroverError } from '../errors.js';
import type { ApiCaller } from './api-caller.js';
import type { ApiDiscovery } from './api-discovery.js';
import { planDrain, type DrainOptions, type DrainPlan } from './drain-filter.js';
import { ref, type MutationTarget, type Mutations } from './mutation.js';
import { deletionDiff } from './plan-diff.js';
import type { EvictionResult } from './types.js';

/** Eviction versions Drover speaks, most preferred first. */
export const EVICTION_VERSIONS = ['v1', 'v1beta1'] as const;

/** The server's words for a 429: the budget's own cause when it gives one. */
function blockedReason(err: DroverError): string {
  const causes = err.details.causes;
  const budget = Array.isArray(causes) ? (causes as Array<{ reason?: string; type?: string; message?: string }>).find((c) => (c.reason ?? c.type) === 'DisruptionBudget')?.message : undefined;
  return budget ?? err.message.replace(/^cluster "[^"]*": /, '');
}

export class EvictionOps {
  private readonly core: CoreV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly caller: ApiCaller,
    private readonly mutations: Mutations,
    private readonly discovery: ApiDiscovery,
    private readonly getPod: (namespace: string, name: string) => Promise<V1Pod>,
  ) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  /** Every pod bound to the node, in every namespace (field selector spec.nodeName). */
  async listNodePods(node: string): Promise<V1Pod[]> {
    const target = { verb: 'list', resource: 'pods', kind: 'Pod' };
    return (await this.caller.call(target, (o) => this.core.listPodForAllNamespacesWithHttpInfo({ fieldSelector: `spec.nodeName=${node}` }, o))).data.items;
  }

  async planDrain(node: string, options: DrainOptions = {}): Promise<DrainPlan> {
    return planDrain(node, await this.listNodePods(node), options);
  }

  evictPod(namespace: string, name: string, options: { uid?: string; gracePeriodSeconds?: number } = {}): Promise<EvictionResult> {
    const target: MutationTarget = { verb: 'create', kind: 'Pod/eviction', namespace, name };
    const label = `Pod ${ref(namespace, name)}`;
    const gone = (why: string) => {
      const change = this.mutations.change(target, `evict ${label}: ${why}`, '');
      return { result: { outcome: 'gone' as const, change } as EvictionResult, change };
    };
    const replaced = `already gone (pod uid ${options.uid ?? ''} was replaced by another pod of that name)`;
    let blocked: EvictionResult | undefined;
    return this.mutations
      .run(target, async () => {
        let before: V1Pod;
        try {
          before = await this.getPod(namespace, name);
        } catch (err) {
          if (err instanceof DroverError && err.code === 'k8s_not_found') return gone('already gone');
          throw err;
        }
        if (options.uid && before.metadata?.uid !== options.uid) return gone(replaced);
        const version = await this.discovery.pick('policy', EVICTION_VERSIONS, 'the Eviction API (pods/eviction)');
        const deleteOptions: Record<string, unknown> = {};
        if (options.uid) deleteOptions.preconditions = { uid: options.uid };
        if (options.gracePeriodSeconds !== undefined) deleteOptions.gracePeriodSeconds = options.gracePeriodSeconds;
        const body = {
          apiVersion: `policy/${version}`,
          kind: 'Eviction',
          metadata: { name, namespace },
          deleteOptions: this.mutations.deleteOptions(deleteOptions),
        } as V1Eviction;
        try {
          const { status } = await this.caller.call({ verb: 'create', resource: 'pods/eviction', kind: 'Eviction', namespace, name }, (o) =>
            this.core.createNamespacedPodEvictionWithHttpInfo({ name, namespace, body, dryRun: this.mutations.dryRunParam }, o),
          );
          const change = this.mutations.change(target, `evict ${label}`, deletionDiff(label, before, this.mutations.dryRun));
          return { result: { outcome: 'evicted', change } as EvictionResult, change, status };
        } catch (err) {
          if (err instanceof DroverError && err.code === 'k8s_not_found') return gone('already gone');
          if (err instanceof DroverError && err.code === 'k8s_conflict' && options.uid && /precondition/i.test(err.message)) return gone(replaced);
          if (err instanceof DroverError && err.code === 'k8s_throttled') {
            const retryAfter = err.details.retryAfterSeconds;
            blocked = { outcome: 'blocked', reason: blockedReason(err), ...(typeof retryAfter === 'number' && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}) };
          }
          // Recorded as a failed mutation either way; a blocked one is answered below.
          throw err;
        }
      })
      .then(
        (r) => r.result,
        (err: unknown) => {
          if (blocked) return blocked;
          throw err;
        },
      );
  }
}
