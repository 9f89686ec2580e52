/**
 * Deployment rollouts for ctx.k8s, as `kubectl rollout pause|resume|status`
 * does them: pause and resume set spec.paused (a merge patch pinned to the
 * resourceVersion read, skipped when already there, diffed in the plan);
 * status reads the deployment and says where its rollout is.
 */
import { AppsV1Api, PatchStrategy, type KubeConfig } from '@kubernetes/client-node';
import type { ApiCaller } from './api-caller.js';
import { ref, type MutationTarget, type Mutations } from './mutation.js';
import { objectDiff } from './plan-diff.js';
import { rolloutStatusOf, type RolloutStatus } from './rollout-status.js';
import type { PlannedChange, V1Deployment } from './types.js';

export class RolloutOps {
  private readonly apps: AppsV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly caller: ApiCaller,
    private readonly mutations: Mutations,
    private readonly getDeployment: (namespace: string, name: string) => Promise<V1Deployment>,
  ) {
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
  }

  async rolloutStatus(namespace: string, name: string): Promise<RolloutStatus> {
    return rolloutStatusOf(await this.getDeployment(namespace, name));
  }

  setPaused(namespace: string, name: string, paused: boolean): Promise<PlannedChange> {
    const target: MutationTarget = { verb: 'patch', kind: 'Deployment', namespace, name };
    const label = `Deployment ${ref(namespace, name)}`;
    const action = paused ? 'pause' : 'resume';
    return this.mutations
      .run(target, async () => {
        const before = await this.getDeployment(namespace, name);
        if ((before.spec?.paused === true) === paused) {
          return { change: this.mutations.change(target, `${action} ${label}: already ${paused ? 'paused' : 'running'} (no change)`, '') };
        }
        // false is sent as null (field removed), as kubectl's patch does; the resourceVersion makes a concurrent change a 409.
        const body = { metadata: { resourceVersion: before.metadata?.resourceVersion }, spec: { paused: paused ? true : null } };
        const { data: after, status } = await this.caller.call(
          { verb: 'patch', resource: 'deployments', kind: 'Deployment', namespace, name },
          (o) => this.apps.patchNamespacedDeploymentWithHttpInfo({ name, namespace, body, dryRun: this.mutations.dryRunParam }, o),
          PatchStrategy.MergePatch,
        );
        return { change: this.mutations.change(target, `${action} ${label}`, objectDiff(label, before, after, this.mutations.dryRun)), status };
      })
      .then((r) => r.change);
  }
}
