/**
 * Jobs (batch/v1) for ctx.k8s: read one, and find its pods, which is what
 * the KubeJobFailed runbook reports on (with their logs and events).
 */
import { BatchV1Api, type KubeConfig, type V1Job, type V1Pod } from '@kubernetes/client-node';
import type { ApiCaller } from './api-caller.js';
import type { ListOptions } from './types.js';

/** The label the Job controller puts on its pods since Kubernetes 1.27. */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
/** The older label, still set next to the new one (and the only one before 1.27). */
export const LEGACY_JOB_NAME_LABEL = 'job-name';

function created(pod: V1Pod): number {
  const at = pod.metadata?.creationTimestamp;
  return at ? new Date(at).getTime() : 0;
}

export class JobOps {
  private readonly batch: BatchV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly caller: ApiCaller,
    private readonly listPods: (namespace: string, options: ListOptions) => Promise<V1Pod[]>,
  ) {
    this.batch = kubeConfig.makeApiClient(BatchV1Api);
  }

  async getJob(namespace: string, name: string): Promise<V1Job> {
    const target = { verb: 'get', resource: 'jobs', kind: 'Job', namespace, name };
    return (await this.caller.call(target, (o) => this.batch.readNamespacedJobWithHttpInfo({ name, namespace }, o))).data;
  }

  /**
   * Pods labelled with either job-name label, each once, oldest first (the
   * last one is the latest attempt). A label selector cannot say "either", so
   * that is two lists.
   */
  async listJobPods(namespace: string, job: string): Promise<V1Pod[]> {
    const byLabel = await Promise.all(
      [JOB_NAME_LABEL, LEGACY_JOB_NAME_LABEL].map((label) => this.listPods(namespace, { labelSelector: `${label}=${job}` })),
    );
    const seen = new Map<string, V1Pod>();
    for (const pod of byLabel.flat()) {
      const key = pod.metadata?.uid ?? pod.metadata?.name ?? '';
      if (!seen.has(key)) seen.set(key, pod);
    }
    return [...seen.values()].sort((a, b) => created(a) - created(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  }
}
